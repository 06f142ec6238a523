"""The payload keys as configured: from the environment or a file, checked at start with an error
that names the setting and never the key, and a development file made once, mode 0600."""

from __future__ import annotations

import base64
import secrets
import stat
from pathlib import Path

import pytest

from config.payload_keys import (
    CURRENT,
    KEYS,
    KEYS_FILE,
    PayloadKeysError,
    PayloadKeySettings,
    ensure_dev_payload_keys,
)

pytestmark = pytest.mark.unit


def b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


def test_keys_from_the_environment_with_the_current_named_or_the_last() -> None:
    one, two = secrets.token_bytes(32), secrets.token_bytes(32)
    listed = f"k1:{b64(one)}, k2:{b64(two)}"
    assert PayloadKeySettings.from_environment({KEYS: listed}) == PayloadKeySettings(
        keys={"k1": one, "k2": two}, current="k2"
    )
    assert PayloadKeySettings.from_environment({KEYS: listed, CURRENT: "k1"}).current == "k1"


@pytest.mark.parametrize(
    ("listed", "current", "says"),
    [
        ("k1", None, "entry 1 is not id:base64key"),
        ("k1:not*base64", None, "the key of 'k1' is not base64"),
        (f"k1:{b64(b'short')}", None, "must be 32 bytes"),
        (f"k1:{b64(bytes(32))},k1:{b64(bytes(32))}", None, "'k1' is listed twice"),
        (f"k1:{b64(bytes(32))}", "k2", "the current key 'k2' is not listed"),
        (f"bad id!:{b64(bytes(32))}", None, "should match pattern"),
    ],
)
def test_a_wrong_setting_is_refused_naming_it_and_never_quoting_the_key(
    listed: str, current: str | None, says: str
) -> None:
    env = {KEYS: listed} | ({CURRENT: current} if current else {})
    with pytest.raises(PayloadKeysError, match=says) as refused:
        PayloadKeySettings.from_environment(env)
    assert str(refused.value).startswith(KEYS)
    secret = listed.partition(":")[2].split(",")[0]
    assert not secret or secret not in str(refused.value)


def test_no_keys_at_all_says_what_to_set(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(PayloadKeysError, match=f"set {KEYS}.*{KEYS_FILE}.*{missing}"):
        PayloadKeySettings.from_environment({KEYS_FILE: str(missing)})


def test_settings_never_show_a_key() -> None:
    keys = PayloadKeySettings.generate("k1")
    shown = repr(keys) + str(keys) + str([keys])
    assert b64(keys.keys["k1"]) not in shown and "k1" in shown


def test_a_development_file_is_made_once_mode_0600_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "var" / "payload-keys"
    env = {KEYS_FILE: str(path)}
    assert ensure_dev_payload_keys(env) == path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    made = PayloadKeySettings.from_environment(env)
    assert ensure_dev_payload_keys(env) is None  # kept, not replaced
    assert PayloadKeySettings.from_environment(env) == made
    # Rotation: a line added at the end becomes the current key; the first still decrypts.
    extra = secrets.token_bytes(32)
    with path.open("a", encoding="utf-8") as file:
        file.write(f"k-next:{b64(extra)}  # rotated\n")
    rotated = PayloadKeySettings.from_environment(env)
    assert rotated.current == "k-next" and made.current in rotated.keys


def test_no_development_file_is_made_when_the_environment_holds_the_keys(tmp_path: Path) -> None:
    env = {KEYS: f"k1:{b64(bytes(32))}", KEYS_FILE: str(tmp_path / "payload-keys")}
    assert ensure_dev_payload_keys(env) is None
    assert not (tmp_path / "payload-keys").exists()
