"""The scrape token for /metrics is read from the file its setting names; a file that cannot be
read, or a token too short to be secret, stops the process naming the setting and never the token."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.bootstrap import metrics_token
from config.settings import Settings

pytestmark = pytest.mark.unit


def test_the_token_is_read_from_the_file_the_setting_names(tmp_path: Path) -> None:
    path = tmp_path / "metrics-token"
    path.write_text("a" * 64 + "\n")
    settings = Settings.from_environment({"CARECASE_METRICS_TOKEN_FILE": str(path)})
    assert settings.metrics_token_file == path
    assert metrics_token(settings.metrics_token_file) == "a" * 64
    assert metrics_token(Settings.from_environment({}).metrics_token_file) is None


def test_a_missing_file_or_a_short_token_is_named_by_its_setting(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="CARECASE_METRICS_TOKEN_FILE: cannot read"):
        metrics_token(tmp_path / "absent")
    short = tmp_path / "short"
    short.write_text("guessable")
    with pytest.raises(RuntimeError, match="CARECASE_METRICS_TOKEN_FILE") as refused:
        metrics_token(short)
    assert "guessable" not in str(refused.value)
