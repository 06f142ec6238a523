"""A council's configuration is published data beside its rule sets (council.toml, decision 0035):
what it leaves out falls back to the domain brief's defaults and is named at start-up, what it gets
wrong stops the process naming the key, and the environment overrides it where a variable exists."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from config.settings import Settings
from domain.commands import CouncilSettings
from domain.errors import InvalidInput
from domain.service_levels import ServiceLevels
from domain.vocabulary import Stage
from policy.council_configuration import SETTINGS, bank_holidays

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
# The Friday before the August bank holiday (Monday 31 August 2026).
FRIDAY_BEFORE_AUGUST_BANK_HOLIDAY = datetime(2026, 8, 28, 10, 0, tzinfo=UTC)


def settings_for(tmp_path: Path, text: str, **env: str) -> Settings:
    folder = tmp_path / "policy" / "testshire"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "council.toml").write_text(text, encoding="utf-8")
    return Settings.from_environment(
        {"CARECASE_POLICY_FOLDER": str(tmp_path / "policy"), "CARECASE_COUNCIL": "testshire", **env}
    )


def test_northmoor_publishes_every_setting_at_the_briefs_defaults():
    settings = Settings.from_environment({})
    assert settings.council_file == ROOT / "policy" / "councils" / "northmoor" / "council.toml"
    assert settings.fell_back == ()
    assert settings.council == CouncilSettings()
    assert settings.service_levels.model_copy(update={"closed_days": frozenset()}) == ServiceLevels()
    assert settings.retention_days == 2922


def test_eastvale_sets_what_differs_and_the_rest_falls_back():
    settings = Settings.from_environment({"CARECASE_COUNCIL": "eastvale"})
    assert settings.council.ras_rule_set_id == "eastvale-ras"
    assert settings.council.carers_charged_for_own_support is True
    assert settings.service_levels.stage_limits[Stage.ASSESSMENT] == timedelta(days=21)
    assert settings.service_levels.stage_limits[Stage.SUPPORT_PLANNING] == timedelta(days=28)
    assert date(2026, 12, 29) in settings.service_levels.closed_days
    assert "service_levels.stage_days.support_planning" in settings.fell_back
    assert "service_levels.stage_days.assessment" not in settings.fell_back


def test_a_missing_value_falls_back_and_is_named_in_one_line_at_start_up(tmp_path: Path):
    settings = settings_for(
        tmp_path,
        "[service_levels.stage_days]\nassessment = 1\n",
        CARECASE_LOG_FILE=str(tmp_path / "carecase.log"),
        CARECASE_PANEL_THRESHOLD_PENCE="1200000",
    )
    assert settings.service_levels.stage_limits[Stage.ASSESSMENT] == timedelta(days=1)
    assert settings.service_levels.stage_limits[Stage.ELIGIBILITY] == timedelta(days=14)  # the default
    assert settings.council.panel_threshold_pence == 1_200_000  # from the environment: no fallback

    # In a process of its own, as at start-up: logging is configured once per process, and this
    # test process has configured it already.
    env = {
        **os.environ,
        "CARECASE_POLICY_FOLDER": str(tmp_path / "policy"),
        "CARECASE_COUNCIL": "testshire",
        "CARECASE_LOG_FILE": str(tmp_path / "carecase.log"),
        "CARECASE_PANEL_THRESHOLD_PENCE": "1200000",
    }
    start = (
        "from config.bootstrap import configure_process_logging\n"
        "from config.settings import Settings\n"
        "configure_process_logging(Settings.from_environment())\n"
    )
    started = subprocess.run(
        [sys.executable, "-c", start], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert started.returncode == 0, started.stderr

    lines = [json.loads(line) for line in (tmp_path / "carecase.log").read_text().splitlines()]
    [line] = [line for line in lines if line["event"] == "council_configuration"]
    assert line["council"] == "testshire" and line["file"] == str(tmp_path / "policy" / "testshire" / "council.toml")
    assert "service_levels.stage_days.eligibility" in line["fell_back"]
    assert "retention.retention_days" in line["fell_back"]
    assert "service_levels.stage_days.assessment" not in line["fell_back"]
    assert "sign_off.panel_threshold_pence" not in line["fell_back"]


def test_a_council_with_no_file_runs_on_the_defaults_and_says_every_one(tmp_path: Path):
    (tmp_path / "policy" / "nowhere").mkdir(parents=True)
    settings = Settings.from_environment(
        {"CARECASE_POLICY_FOLDER": str(tmp_path / "policy"), "CARECASE_COUNCIL": "nowhere"}
    )
    assert settings.council_file is None
    assert settings.fell_back == tuple(setting.key for setting in SETTINGS)
    assert settings.council == CouncilSettings()


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[service_levels.stage_days]\nassessment = -1\n", "service_levels.stage_days.assessment"),
        ("[service_levels.stage_days]\nassessment = 1.5\n", "service_levels.stage_days.assessment"),
        ("[service_levels.stage_days]\nscreening = 2\n", "service_levels.stage_days.screening"),
        ("[service_levels]\nreview_interval_days = 400\n", "service_levels.review_interval_days"),
        ('[sign_off]\npanel_threshold_pence = "lots"\n', "sign_off.panel_threshold_pence"),
        ("[sign_off]\npanel_threshold_pence = 20_000_000\n", "sign_off"),  # above the panel's own limit
        ('[spending_rules]\nexcluded_categories = ["alcohol", "holidays"]\n', "spending_rules.excluded_categories"),
        ('[working_days]\nbank_holidays = "scotland"\n', "working_days.bank_holidays"),
        ('[working_days]\nclosure_days = ["soon"]\n', "working_days.closure_days"),
        ('[charging]\ncarers_charged_for_own_support = "sometimes"\n', "charging.carers_charged_for_own_support"),
        ("[retention]\nretention_days = -1\n", "retention.retention_days"),
        ("[money]\nmax_amount = 5\n", "money.max_amount"),
    ],
)
def test_an_invalid_configuration_is_refused_naming_the_key(tmp_path: Path, text: str, key: str):
    with pytest.raises(InvalidInput) as refused:
        settings_for(tmp_path, text)
    assert refused.value.field == key and refused.value.code == "invalid_council_configuration"
    assert str(tmp_path) in refused.value.message and key in refused.value.message


def test_an_environment_variable_overrides_the_file_and_is_named_when_it_is_wrong(tmp_path: Path):
    text = "[sign_off]\npanel_threshold_pence = 1_000_000\n"
    assert settings_for(tmp_path, text).council.panel_threshold_pence == 1_000_000
    assert (
        settings_for(tmp_path, text, CARECASE_PANEL_THRESHOLD_PENCE="900000").council.panel_threshold_pence == 900_000
    )
    with pytest.raises(InvalidInput) as refused:
        settings_for(tmp_path, text, CARECASE_PANEL_THRESHOLD_PENCE="-5")
    assert refused.value.field == "sign_off.panel_threshold_pence"
    assert "CARECASE_PANEL_THRESHOLD_PENCE" in refused.value.message


def test_bank_holidays_are_not_working_days_for_screening(tmp_path: Path):
    levels = settings_for(tmp_path, "").service_levels
    assert date(2026, 8, 31) in bank_holidays() and date(2026, 8, 31) in levels.closed_days
    # Two working days from the Friday before the August bank holiday: Tuesday and Wednesday.
    assert levels.due_at(Stage.SCREENING, FRIDAY_BEFORE_AUGUST_BANK_HOLIDAY) == datetime(2026, 9, 2, 10, 0, tzinfo=UTC)
    weekdays_only = settings_for(tmp_path, '[working_days]\nbank_holidays = "none"\n').service_levels
    assert weekdays_only.due_at(Stage.SCREENING, FRIDAY_BEFORE_AUGUST_BANK_HOLIDAY) == datetime(
        2026, 9, 1, 10, 0, tzinfo=UTC
    )


def test_the_councils_closure_days_are_not_working_days_either(tmp_path: Path):
    levels = settings_for(tmp_path, "[working_days]\nclosure_days = [2026-09-01]\n").service_levels
    assert levels.due_at(Stage.SCREENING, FRIDAY_BEFORE_AUGUST_BANK_HOLIDAY) == datetime(2026, 9, 3, 10, 0, tzinfo=UTC)


def test_docs_configuration_lists_every_setting_and_its_variable():
    doc = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    missing = [setting.key for setting in SETTINGS if f"`{setting.key}`" not in doc]
    unnamed = [setting.env for setting in SETTINGS if setting.env and f"`{setting.env}`" not in doc]
    assert (missing, unnamed) == ([], [])


def test_the_council_is_named_by_its_folder_and_nothing_else():
    with pytest.raises(InvalidInput) as refused:
        Settings.from_environment({"CARECASE_COUNCIL": "../northmoor"})
    assert refused.value.field == "CARECASE_COUNCIL"
