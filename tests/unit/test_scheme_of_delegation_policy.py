"""The scheme of delegation and the variance tolerance are council policy, set like the panel
threshold; a plan's variance is worked out exactly."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from config.settings import Settings
from domain.budget_statement import plan_variance
from domain.commands import CouncilSettings
from domain.people import Role
from domain.vocabulary import SignOffRoute


def limits(council: CouncilSettings) -> list[tuple[str, str, int]]:
    scheme = council.scheme_of_delegation()
    return [(a.route.value, a.role.value, a.limit_pence) for a in scheme.authorities]


def test_the_default_scheme_a_team_manager_to_the_panel_threshold_the_panel_and_a_head_of_service_above():
    council = CouncilSettings()
    assert council.scheme_of_delegation().version == "2026.1"
    assert limits(council) == [
        ("delegated", "team_manager", 1_500_000),
        ("panel", "panel_member", 10_000_000),
        ("exception", "head_of_service", 100_000_000),
    ]
    scheme = council.scheme_of_delegation()
    assert scheme.for_role(Role.HEAD_OF_SERVICE) == scheme.for_route(SignOffRoute.EXCEPTION)
    assert scheme.for_role(Role.SOCIAL_WORKER) is None


def test_the_environment_sets_the_scheme_and_the_tolerance_as_it_sets_the_panel_threshold():
    settings = Settings.from_environment(
        {
            "CARECASE_PANEL_THRESHOLD_PENCE": "1000000",
            "CARECASE_PANEL_LIMIT_PENCE": "2000000",
            "CARECASE_HEAD_OF_SERVICE_LIMIT_PENCE": "5000000",
            "CARECASE_DELEGATION_SCHEME_VERSION": "2027.1",
            "CARECASE_VARIANCE_TOLERANCE_BASIS_POINTS": "500",
        }
    )
    assert settings.council.scheme_of_delegation().version == "2027.1"
    assert limits(settings.council) == [
        ("delegated", "team_manager", 1_000_000),
        ("panel", "panel_member", 2_000_000),
        ("exception", "head_of_service", 5_000_000),
    ]
    assert settings.council.variance_tolerance_basis_points == 500


def test_limits_rise_with_seniority():
    with pytest.raises(ValidationError, match="rise with seniority"):
        CouncilSettings(panel_threshold_pence=2_000_000, panel_limit_pence=1_000_000)
    with pytest.raises(ValidationError, match="rise with seniority"):
        CouncilSettings(panel_limit_pence=20_000_000, head_of_service_limit_pence=10_000_000)


@pytest.mark.parametrize(
    ("budget", "cost", "amount", "basis_points", "direction", "outside"),
    [
        (1_100_000, 1_196_000, 96_000, 873, "over", False),  # 8.727% rounds to 8.73%
        (1_100_000, 4_784_000, 3_684_000, 33_491, "over", True),
        (1_000_000, 900_000, 100_000, 1_000, "under", False),  # exactly at the tolerance is within it
        (1_000_000, 899_999, 100_001, 1_000, "under", True),  # 10.00001% rounds to 10.00% yet is beyond it
        (8, 9, 1, 1_250, "over", True),
        (3, 4, 1, 3_333, "over", True),
        (500_000, 500_000, 0, 0, "none", False),
        (0, 100, 100, None, "over", True),
        (0, 0, 0, None, "none", False),
    ],
)
def test_a_plans_variance_from_the_budget(
    budget: int, cost: int, amount: int, basis_points: int | None, direction: str, outside: bool
):
    variance = plan_variance(budget_pence=budget, plan_cost_pence=cost, tolerance_basis_points=1_000)
    assert (variance.amount_pence, variance.basis_points, variance.direction, variance.outside_tolerance) == (
        amount,
        basis_points,
        direction,
        outside,
    )


def test_a_head_of_service_gets_a_development_key_like_every_staff_role(tmp_path: Path):
    from workers.run import ensure_dev_keys

    assert ensure_dev_keys(tmp_path / "keys.toml", tmp_path / "keys.env")
    assert "export HEAD_OF_SERVICE_KEY=" in (tmp_path / "keys.env").read_text(encoding="utf-8")
