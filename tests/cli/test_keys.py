"""``carecase keys add|list|revoke|rotate`` against a keys file, run as an administrator runs them,
and a running API's key ring seeing each change on its next check, without a restart."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from api.access_log import AccessLog
from api.keys import KeyRing, KeyStatus, derived_key_id, token_hash
from api.keys_file import KeysFile
from projections.store import SQLiteViewStore

ROOT = Path(__file__).parents[2]
pytestmark = [pytest.mark.cli, pytest.mark.sqlite]


class Console:
    """The command line over one folder: its keys file and its views (for the ops action log)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.keys = folder / "var" / "api-keys.toml"
        self.views = folder / "var" / "carecase.sqlite"
        self.env = dict(
            os.environ,
            PYTHONPATH=str(ROOT),
            CARECASE_API_KEYS=str(self.keys),
            CARECASE_SQLITE_PATH=str(self.views),
            CARECASE_LOG_LEVEL="warning",
        )
        self.env.pop("CARECASE_STORE", None)

    def start(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "workers.cli", "keys", *args],
            cwd=self.folder,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "workers.cli", "keys", *args],
            cwd=self.folder,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def add(self, *args: str) -> tuple[str, str]:
        """A new key: its id and its token."""
        made = self.run("add", *args)
        assert made.returncode == 0, made.stderr
        return made.stderr.split()[1], made.stdout.strip().splitlines()[-1]

    def listed(self) -> dict[str, dict[str, object]]:
        listing = self.run("list", "--json")
        assert listing.returncode == 0, listing.stderr
        return {row["key_id"]: row for row in json.loads(listing.stdout)}

    def refused(self, *args: str) -> dict[str, object]:
        answer = self.run(*args)
        assert answer.returncode == 2, (answer.stdout, answer.stderr)
        return json.loads(answer.stderr.strip().splitlines()[-1])  # type: ignore[no-any-return]


@pytest.fixture
def console(tmp_path: Path) -> Console:
    return Console(tmp_path)


def test_add_list_revoke_and_rotate_a_key(console: Console) -> None:
    key_id, token = console.add("sw-amara", "social_worker", "--team", "east-locality", "--team", "hospital")
    later_id, _ = console.add("fin-ola", "finance_officer", "--expires-in-days", "30")
    listed = console.listed()
    assert listed[key_id]["user_id"] == "sw-amara" and listed[key_id]["teams"] == ["east-locality", "hospital"]
    assert listed[key_id]["status"] == "active" and listed[key_id]["expires_at"] is None
    assert listed[later_id]["expires_at"] is not None and listed[key_id]["created_at"] is not None
    text = json.dumps(listed)
    assert "sha256" not in text and token not in text and token_hash(token) not in text
    assert token_hash(token) in console.keys.read_text() and token not in console.keys.read_text()

    revoked = console.run("revoke", key_id, "--reason", "moved to the west team", "--by", "admin-jo")
    assert revoked.returncode == 0, revoked.stderr
    row = console.listed()[key_id]
    assert (row["status"], row["revoked_by"], row["revoked_reason"]) == (
        "revoked",
        "admin-jo",
        "moved to the west team",
    )
    assert console.refused("revoke", key_id, "--reason", "again")["code"] == "key_already_revoked"

    rotated = console.run("rotate", later_id, "--reason", "yearly rotation")
    assert rotated.returncode == 0, rotated.stderr
    new_token = rotated.stdout.strip().splitlines()[-1]
    [new_id] = set(console.listed()) - {key_id, later_id}
    after = console.listed()
    assert after[later_id]["status"] == "revoked" and after[later_id]["replaced_by"] == new_id
    assert (after[new_id]["user_id"], after[new_id]["role"], after[new_id]["replaces"]) == (
        "fin-ola",
        "finance_officer",
        later_id,
    )
    assert after[new_id]["expires_at"] is not None, "a rotated key keeps the old key's lifetime"
    assert KeyRing.load(console.keys).user_for(new_token) is not None

    actions = AccessLog(SQLiteViewStore(str(console.views))).actions(case_id=None, user_id=None, limit=50)
    assert sorted(a["action"] for a in actions) == ["key_add", "key_add", "key_revoke", "key_rotate"]
    assert {a["outcome"]["key_id"] for a in actions} == {key_id, later_id, new_id}


def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(console: Console) -> None:
    console.add("ops-1", "ops")
    before = console.keys.read_bytes()
    assert console.refused("add", "ops-2", "system")["field"] == "role"
    assert console.refused("add", "not an id", "ops")["field"] == "user_id"
    assert (
        console.refused("add", "ops-2", "ops", "--expires-at", "2027-01-01T09:00:00")["code"] == "expiry_without_zone"
    )
    assert console.refused("add", "ops-2", "ops", "--expires-at", "2020-01-01")["code"] == "expiry_not_in_the_future"
    assert console.refused("revoke", "k-0000000000000000", "--reason", "x")["code"] == "unknown_key"
    assert console.refused("rotate", "k-0000000000000000")["code"] == "unknown_key"
    assert console.keys.read_bytes() == before


def test_a_keys_file_written_before_keys_had_ids_still_works_and_can_be_managed(console: Console) -> None:
    console.keys.parent.mkdir(parents=True)
    legacy_token, other_token = "cc_written-by-an-older-version", "cc_another-older-key"
    console.keys.write_text(
        "".join(
            f'\n[[key]]\nuser_id = "{user}"\nrole = "ops"\nteams = []\nsha256 = "{token_hash(token)}"\n'
            for user, token in (("ops-old", legacy_token), ("ops-other", other_token))
        )
    )
    ring = KeyRing.load(console.keys)
    assert ring.user_for(legacy_token) is not None
    legacy_id = derived_key_id(token_hash(legacy_token))
    assert legacy_id in console.listed() and token_hash(legacy_token) not in legacy_id

    revoked = console.run("revoke", legacy_id, "--reason", "older key retired")
    assert revoked.returncode == 0, revoked.stderr
    assert ring.user_for(legacy_token) is None and ring.user_for(other_token) is not None
    assert set(console.listed()) == {legacy_id, derived_key_id(token_hash(other_token))}, "ids stay as they were"


def test_a_running_key_ring_sees_every_change_without_a_restart(console: Console) -> None:
    first_id, first = console.add("ops-1", "ops")
    ring = KeyRing.load(console.keys)  # what a running API holds
    assert ring.user_for(first) is not None

    second_id, second = console.add("tm-1", "team_manager", "--team", "east-locality")
    user = ring.user_for(second)
    assert user is not None and (user.user_id, user.role.value, user.teams) == (
        "tm-1",
        "team_manager",
        ("east-locality",),
    )

    assert console.run("revoke", first_id, "--reason", "left").returncode == 0
    assert ring.user_for(first) is None and ring.check(first).status == KeyStatus.REVOKED

    rotated = console.run("rotate", second_id)
    assert rotated.returncode == 0, rotated.stderr
    assert ring.user_for(second) is None
    assert ring.user_for(rotated.stdout.strip().splitlines()[-1]) is not None


def test_administrators_adding_keys_at_once_lose_none(console: Console) -> None:
    console.add("ops-0", "ops")
    running = [console.start("add", f"ops-{n}", "ops") for n in range(1, 5)]
    for process in running:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    assert sorted(str(row["user_id"]) for row in console.listed().values()) == [f"ops-{n}" for n in range(5)]
    assert len(KeysFile(console.keys).read()) == 5


def test_a_keys_file_a_hand_edit_broke_admits_nobody_until_it_is_fixed(console: Console) -> None:
    _, token = console.add("ops-1", "ops")
    ring = KeyRing.load(console.keys)
    good = console.keys.read_text()
    console.keys.write_text(good + "\n[[key]]\nuser_id = \n")
    check = ring.check(token)
    assert check.user is None and "cannot be read" in check.message
    console.keys.write_text(good)
    assert ring.user_for(token) is not None
