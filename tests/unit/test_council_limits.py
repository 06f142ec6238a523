"""The council's limits come from its configuration; an impossible one stops the process at start."""

from __future__ import annotations

import pytest

from config.settings import Settings
from domain.commands import CouncilSettings
from domain.errors import InvalidInput
from policy.council_configuration import SETTINGS

pytestmark = pytest.mark.unit

# Each whole-number limit of the council that an environment variable overrides.
COUNCIL_LIMITS = {
    setting.env: setting.field
    for setting in SETTINGS
    if setting.env and setting.target == "council" and isinstance(getattr(CouncilSettings(), setting.field), int)
}


def test_every_limit_can_be_set_from_the_environment():
    env = {name: str(index + 7) for index, name in enumerate(COUNCIL_LIMITS)}
    # The scheme of delegation's limits rise with seniority.
    env |= {"CARECASE_PANEL_LIMIT_PENCE": "1000", "CARECASE_HEAD_OF_SERVICE_LIMIT_PENCE": "2000"}
    council = Settings.from_environment(env).council
    assert {field: getattr(council, field) for field in COUNCIL_LIMITS.values()} == {
        field: int(env[name]) for name, field in COUNCIL_LIMITS.items()
    }
    assert len(COUNCIL_LIMITS) >= 12


def test_unset_limits_keep_the_defaults():
    assert Settings.from_environment({}).council == CouncilSettings()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CARECASE_MAX_AMOUNT_PENCE", "0"),
        ("CARECASE_MAX_AMOUNT_PENCE", str(2**63)),
        ("CARECASE_AGREEMENT_TOLERANCE_BASIS_POINTS", "10001"),
        ("CARECASE_AGREEMENT_BACKDATING_LIMIT_DAYS", "-1"),
    ],
)
def test_a_limit_out_of_its_range_is_refused_at_start(name: str, value: str):
    with pytest.raises(InvalidInput) as refused:
        Settings.from_environment({name: value})
    assert name in refused.value.message


def test_the_councils_representative_checks_are_read_by_name_and_an_unknown_one_stops_the_start():
    council = Settings.from_environment(
        {"CARECASE_REPRESENTATIVE_CHECKS": " identity , references", "CARECASE_PAID_MANAGER_CHECKS": ""}
    ).council
    assert [c.value for c in council.representative_checks] == ["identity", "references"]
    assert council.paid_manager_checks == ()  # an empty value requires none
    assert [c.value for c in Settings.from_environment({}).council.paid_manager_checks] == ["dbs_check"]

    with pytest.raises(InvalidInput) as refused:
        Settings.from_environment({"CARECASE_REPRESENTATIVE_CHECKS": "identity,credit_score"})
    assert refused.value.field == "representatives.checks"
