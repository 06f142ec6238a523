"""Keys an administrator manages over HTTP: issued, used at once, revoked and refused at once,
expired and refused, rotated, listed with their last use (never a token or a hash), and every
change in the ops action log. Against the real backend (Temporal dev server, worker, SQLite
record and views), each test with a keys file of its own so no other test's keys change."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from api.backend import Backend
from api.key_use import TABLE, KeyUse
from api.keys import add_key
from api.keys_file import KeysFile
from domain.people import Role
from projections.store import SQLiteViewStore

ROOT = Path(__file__).parents[2]
ADMIN_ENDPOINTS = [
    ("GET", "/admin/keys", None),
    ("POST", "/admin/keys", {"user_id": "sw-new", "role": "social_worker"}),
    ("POST", "/admin/keys/k-0000000000000000/revoke", {"reason": "test"}),
    ("POST", "/admin/keys/k-0000000000000000/rotate", {"reason": "test"}),
]


@pytest.fixture
def tokens(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """This module's own keys file (the backend fixture reads it): one key per staff role."""
    path = tmp_path / "keys" / "api-keys.toml"
    made = {
        role.value: add_key(path, f"{role.value.replace('_', '-')}-1", role) for role in Role if role != Role.SYSTEM
    }
    return path, made


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def issue(http: httpx.AsyncClient, admin: str, **body: object) -> dict[str, object]:
    answer = await http.post("/admin/keys", json=body, headers=bearer(admin))
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


async def test_a_key_issued_by_an_admin_works_at_once_and_is_refused_at_once_when_revoked(
    http: httpx.AsyncClient, tokens, backend: Backend
):
    admin = tokens[1]["admin"]
    issued = await issue(http, admin, user_id="ops-new", role="ops", teams=["east-locality"], reason="new starter")
    assert str(issued["token"]).startswith("cc_") and str(issued["key_id"]).startswith("k-")
    assert (issued["user_id"], issued["role"], issued["teams"], issued["status"]) == (
        "ops-new",
        "ops",
        ["east-locality"],
        "active",
    )
    new = bearer(str(issued["token"]))
    assert (await http.get("/ops/counts", headers=new)).status_code == 200
    assert str(issued["token"]) not in tokens[0].read_text(), "the token itself is never stored"

    revoked = await http.post(f"/admin/keys/{issued['key_id']}/revoke", json={"reason": "left"}, headers=bearer(admin))
    assert revoked.status_code == 200, revoked.text
    assert (revoked.json()["status"], revoked.json()["revoked_by"], revoked.json()["revoked_reason"]) == (
        "revoked",
        "admin-1",
        "left",
    )
    refused = await http.get("/ops/counts", headers=new)
    assert refused.status_code == 401
    assert refused.json()["code"] == "unauthorised" and refused.json()["details"] == {"key": "revoked"}
    assert "revoked" in refused.json()["message"] and refused.json()["field"] == "Authorization"

    again = await http.post(f"/admin/keys/{issued['key_id']}/revoke", json={"reason": "again"}, headers=bearer(admin))
    assert again.status_code == 409 and again.json()["code"] == "key_already_revoked"
    unknown = await http.post("/admin/keys/k-0000000000000000/revoke", json={"reason": "x"}, headers=bearer(admin))
    assert unknown.status_code == 404 and unknown.json()["code"] == "unknown_key"

    actions = (await http.get("/audit/ops-actions", headers=bearer(tokens[1]["auditor"]))).json()
    mine = [a for a in actions if a["outcome"].get("key_id") == issued["key_id"]]
    assert sorted(a["action"] for a in mine) == ["key_add", "key_revoke"]
    assert all(a["user_id"] == "admin-1" and a["role"] == "admin" for a in mine)
    assert str(issued["token"]) not in str(actions)


async def test_an_expired_key_is_refused_saying_when_it_expired(http: httpx.AsyncClient, tokens):
    made = datetime.now(UTC) - timedelta(days=2)
    key, token = KeysFile(tokens[0]).add("ops-temp", Role.OPS, expires_at=made + timedelta(days=1), now=made)
    refused = await http.get("/ops/counts", headers=bearer(token))
    assert refused.status_code == 401
    body = refused.json()
    assert body["details"] == {"key": "expired"} and "expired at" in body["message"]
    assert key.expires_at is not None and key.expires_at.isoformat() in body["message"]

    listed = (await http.get("/admin/keys", params={"user_id": "ops-temp"}, headers=bearer(tokens[1]["admin"]))).json()
    assert [(k["key_id"], k["status"]) for k in listed["items"]] == [(key.key_id, "expired")]


async def test_a_key_with_an_expiry_works_until_then(http: httpx.AsyncClient, tokens):
    admin = tokens[1]["admin"]
    by_days = await issue(http, admin, user_id="ops-days", role="ops", expires_in_days=30)
    day = (datetime.now(UTC) + timedelta(days=400)).date()
    by_date = await issue(http, admin, user_id="ops-date", role="ops", expires_at=day.isoformat())
    assert datetime.fromisoformat(str(by_date["expires_at"])) == datetime(day.year, day.month, day.day, tzinfo=UTC)
    assert datetime.fromisoformat(str(by_days["expires_at"])) > datetime.now(UTC) + timedelta(days=29)
    for issued in (by_days, by_date):
        assert (await http.get("/ops/counts", headers=bearer(str(issued["token"])))).status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"user_id": "x-1", "role": "system"}, "role"),
        ({"user_id": "x-1", "role": "ops", "expires_at": "2020-01-01"}, "expires_at"),
        ({"user_id": "x-1", "role": "ops", "expires_at": "2027-01-01T00:00:00"}, "expires_at"),
        ({"user_id": "x-1", "role": "ops", "expires_at": "2027-06-01", "expires_in_days": 3}, "expires_in_days"),
        ({"user_id": "x-1", "role": "ops", "expires_in_days": 0}, "expires_in_days"),
        ({"user_id": "x-1", "role": "ops", "expires_at": "9999-12-31T23:59:00-01:00"}, "expires_at"),
        ({"user_id": "x-1", "role": "ops", "expires_at": "0001-01-01T00:00:00+01:00"}, "expires_at"),
        ({"user_id": "not an id", "role": "ops"}, "user_id"),
        ({"user_id": "x-1", "role": "ops", "teams": ["a team"]}, "teams.0"),
    ],
)
async def test_a_bad_key_request_names_the_field_and_writes_nothing(http: httpx.AsyncClient, tokens, body, field):
    before = tokens[0].read_bytes()
    answer = await http.post("/admin/keys", json=body, headers=bearer(tokens[1]["admin"]))
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == field and answer.headers["content-type"] == "application/problem+json"
    assert tokens[0].read_bytes() == before


async def test_only_an_admin_may_manage_keys(http: httpx.AsyncClient, tokens):
    for role, token in tokens[1].items():
        for method, path, body in ADMIN_ENDPOINTS:
            answer = await http.request(method, path, json=body, headers=bearer(token))
            if role == "admin":
                assert answer.status_code not in (401, 403), (method, path, answer.text)
            else:
                assert answer.status_code == 403, (role, method, path, answer.status_code)
                assert answer.json()["code"] == "forbidden"


async def test_the_list_shows_last_use_and_never_a_token_or_a_hash(http: httpx.AsyncClient, tokens, backend: Backend):
    admin = bearer(tokens[1]["admin"])
    issued = await issue(http, tokens[1]["admin"], user_id="ops-listed", role="ops")

    def row(listing: dict[str, object]) -> dict[str, object]:
        [found] = [k for k in listing["items"] if k["key_id"] == issued["key_id"]]  # type: ignore[attr-defined]
        return found  # type: ignore[no-any-return]

    assert row((await http.get("/admin/keys", headers=admin)).json())["last_used_at"] is None
    before = datetime.now(UTC)
    assert (await http.get("/ops/counts", headers=bearer(str(issued["token"])))).status_code == 200
    listing = await http.get("/admin/keys", headers=admin)
    used = datetime.fromisoformat(str(row(listing.json())["last_used_at"]))
    assert before <= used <= datetime.now(UTC)
    # Written through to the table (the first use in a minute is), so another process reads it too.
    assert backend.key_use.last_used()[str(issued["key_id"])] == used

    text = listing.text
    assert "sha256" not in text and "token" not in text
    for key in KeysFile(tokens[0]).read():
        assert key.sha256 not in text
    for token in [*tokens[1].values(), str(issued["token"])]:
        assert token not in text
    listed_ids = {k["key_id"] for k in listing.json()["items"]}
    assert listed_ids == {k.key_id for k in KeysFile(tokens[0]).read()}
    active = (await http.get("/admin/keys", params={"status": "revoked"}, headers=admin)).json()["items"]
    assert active == []


async def test_rotation_gives_a_new_token_and_the_old_one_stops_at_once(http: httpx.AsyncClient, tokens):
    admin = tokens[1]["admin"]
    issued = await issue(http, admin, user_id="fin-rotated", role="finance_officer", teams=["finance"])
    old = bearer(str(issued["token"]))
    assert (
        await http.get("/worklists/teams/finance", headers=old, params={"role": "finance_officer"})
    ).status_code < 400

    rotated = await http.post(
        f"/admin/keys/{issued['key_id']}/rotate", json={"reason": "yearly rotation"}, headers=bearer(admin)
    )
    assert rotated.status_code == 201, rotated.text
    answer = rotated.json()
    new_key = answer["issued"]
    assert (new_key["user_id"], new_key["role"], new_key["teams"]) == ("fin-rotated", "finance_officer", ["finance"])
    assert new_key["key_id"] != issued["key_id"] and new_key["replaces"] == issued["key_id"]
    assert answer["revoked"]["status"] == "revoked" and answer["revoked"]["replaced_by"] == new_key["key_id"]

    assert (
        await http.get("/worklists/teams/finance", headers=old, params={"role": "finance_officer"})
    ).status_code == 401
    new = bearer(new_key["token"])
    assert (
        await http.get("/worklists/teams/finance", headers=new, params={"role": "finance_officer"})
    ).status_code < 400
    twice = await http.post(f"/admin/keys/{issued['key_id']}/rotate", json={}, headers=bearer(admin))
    assert twice.status_code == 409 and twice.json()["code"] == "key_already_revoked"


async def test_a_key_added_and_revoked_with_the_command_line_counts_at_once_in_the_running_api(
    http: httpx.AsyncClient, tokens, tmp_path: Path
):
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        CARECASE_API_KEYS=str(tokens[0]),
        CARECASE_SQLITE_PATH=str(tmp_path / "cli-views.sqlite"),
        CARECASE_LOG_LEVEL="warning",
    )

    def carecase(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "workers.cli", "keys", *args], env=env, capture_output=True, text=True, timeout=120
        )

    added = carecase("add", "ops-cli", "ops")
    assert added.returncode == 0, added.stderr
    token = added.stdout.strip().splitlines()[-1]
    assert (await http.get("/ops/counts", headers=bearer(token))).status_code == 200

    key_id = added.stderr.split()[1]
    revoked = carecase("revoke", key_id, "--reason", "laptop lost")
    assert revoked.returncode == 0, revoked.stderr
    assert (await http.get("/ops/counts", headers=bearer(token))).status_code == 401


def test_last_use_is_written_once_a_minute_a_key_and_read_exactly(tmp_path: Path) -> None:
    store = SQLiteViewStore(str(tmp_path / "views.sqlite"))
    try:
        use, elsewhere = KeyUse(store), KeyUse(store)  # two API processes over the same views

        def table() -> dict[str, str]:
            with store.read() as cursor:
                return dict(cursor.execute(f"SELECT key_id, last_used_at FROM {TABLE}").fetchall())

        start = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
        use.seen("k-1111111111111111", start)
        assert table() == {"k-1111111111111111": "2026-12-01T09:00:00.000000Z"}
        use.seen("k-1111111111111111", start + timedelta(seconds=30))
        assert table() == {"k-1111111111111111": "2026-12-01T09:00:00.000000Z"}, "no write within the minute"
        assert use.last_used()["k-1111111111111111"] == start + timedelta(seconds=30), "but this process knows"
        assert elsewhere.last_used()["k-1111111111111111"] == start, "another reads the table: a minute behind at most"

        use.seen("k-1111111111111111", start + timedelta(seconds=61))
        assert table()["k-1111111111111111"] == "2026-12-01T09:01:01.000000Z"
        elsewhere.seen("k-1111111111111111", start + timedelta(seconds=45))  # a slower process: never back
        assert table()["k-1111111111111111"] == "2026-12-01T09:01:01.000000Z"
        use.seen("k-2222222222222222", start + timedelta(seconds=62))  # each key has its own minute
        assert set(table()) == {"k-1111111111111111", "k-2222222222222222"}
    finally:
        store.close()
