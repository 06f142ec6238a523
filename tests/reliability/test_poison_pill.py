"""No poison pills in the views (decision 0013).

Seen in the field: an amount of 2**63 pence reached the SQLite view store, ``OverflowError: Python
int too large to convert to SQLite INTEGER``; the runner failed that batch for ever, every view
stopped for every case, every read with ``min_position`` answered 503 and ``/health`` said ok.

Each fault here is injected, and only for one chosen case: a view whose handler or whose rows
write 2**63 pence (neither store can hold it: SQLite raises ``OverflowError``, PostgreSQL
``bigint out of range``), or a view that meets the store's own ``OperationalError`` (the database
away). The runner tests run on SQLite and PostgreSQL; the HTTP ones on the API's real stack.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import psycopg.errors
import pytest
from eventsourcing import persistence

from domain.application import CaseRecord
from domain.case.aggregate import Case
from domain.case.state import CaseState
from domain.timeline import timeline_entry
from projections.audit_timeline import AuditTimelineView
from projections.base import Projection
from projections.carers_register import REGISTER
from projections.catalogue import all_views
from projections.current_case import CASE, CASE_COLUMNS, CurrentCaseView
from projections.derived import Row
from projections.ledger import LEDGER, BudgetLedgerView
from projections.runner import HELD_BEHIND, ProjectionRunner, StillFailing, is_infrastructure_fault, plain_message
from projections.store import QuarantineRow, ViewCursor, ViewStore, view_store_from_env
from tests.builders import Scenario
from tests.projections.story import a_long_case, current_case_rows, expected_current_case, interleaved

TOO_MANY_PENCE = 2**63  # one more than a BIGINT (and an SQLite INTEGER) can hold
ROOT = Path(__file__).parents[2]


@pytest.fixture
def view_store(
    record: CaseRecord, store_env: dict[str, str]
) -> Iterator[ViewStore]:  # record first: it makes the store
    store = view_store_from_env(store_env)
    try:
        yield store
    finally:
        store.close()


# The injected faults --------------------------------------------------------------------------


class LedgerThatOverflows(BudgetLedgerView):
    """The ledger, except that for one case identifying a carer also writes 2**63 pence — after
    the views before it wrote theirs (the carers register's new row), so the event's partial
    writes must be undone too."""

    def __init__(self, case_id: UUID) -> None:
        super().__init__()
        self.case_id, self.armed = case_id.hex, True

    def handle(self, cursor: ViewCursor, event: Any, notification_id: int) -> bool:
        handled = super().handle(cursor, event, notification_id)
        if self.armed and isinstance(event, Case.CarerIdentified) and event.originator_id.hex == self.case_id:
            cursor.execute(f"UPDATE {LEDGER} SET paid_pence = ? WHERE case_id = ?", (TOO_MANY_PENCE, self.case_id))
        return handled


class CurrentCaseThatOverflows(CurrentCaseView):
    """The current case, except that once one case has a carer its row says 2**63 pence: the
    failure comes at the end-of-batch write of a derived view, not in a handler."""

    def __init__(self, case_id: UUID) -> None:
        super().__init__()
        self.case_id, self.armed = case_id.hex, True

    def rows(self, state: CaseState, version: int) -> dict[str, list[Row]]:
        rows = super().rows(state, version)
        if self.armed and state.case_id == self.case_id and state.carers():
            row = list(rows[CASE][0])
            row[CASE_COLUMNS.index("budget_total_pence")] = TOO_MANY_PENCE
            rows[CASE] = [row]
        return rows


class TimelineWithTheDatabaseAway(AuditTimelineView):
    """The audit timeline, except that while ``away`` is set, writing one case's events from
    ``from_version`` on meets the store's own OperationalError, as when the database is gone."""

    def __init__(self, case_id: UUID, from_version: int, error: Exception) -> None:
        self.case_id, self.from_version, self.error = case_id.hex, from_version, error
        self.away, self.hits = True, 0

    def add_line(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        if self.away and event.originator_id.hex == self.case_id and event.originator_version >= self.from_version:
            self.hits += 1
            raise self.error
        super().add_line(cursor, event, notification_id)


def views_with(*faulty: Projection) -> list[Projection]:
    """Every view the product keeps, with the faulty ones in place of their namesakes."""
    replace = {view.name: view for view in faulty}
    return [replace.get(view.name, view) for view in all_views()]


def database_away(store_env: dict[str, str]) -> Exception:
    if store_env["PERSISTENCE_MODULE"].endswith("postgres"):
        return psycopg.errors.LockNotAvailable("canceling statement due to lock timeout")
    return sqlite3.OperationalError("database is locked")


# Reading what the views hold -----------------------------------------------------------------


def every_row(store: ViewStore, views: list[Projection]) -> dict[str, list[tuple[Any, ...]]]:
    """Every table of every view, and the positions: what "identical to a clean rebuild" compares."""
    tables = {table for view in views for table in view.tables} | {"projection_tracking"}
    return {table: sorted(store.dump(table, "1"), key=repr) for table in sorted(tables)}


def quarantine_of(store: ViewStore, case_id: UUID) -> list[QuarantineRow]:
    with store.read() as cursor:
        return store.quarantine_of(cursor, case_id.hex)


def timeline_versions(store: ViewStore, case_id: UUID) -> list[int]:
    with store.read() as cursor:
        rows = cursor.execute(
            "SELECT version FROM view_audit_timeline WHERE case_id = ? ORDER BY version", (case_id.hex,)
        ).fetchall()
    return [int(r[0]) for r in rows]


def case_notifications(record: CaseRecord, case_id: UUID) -> list[Any]:
    return [n for n in record.notifications(start=1, limit=100_000) if n.originator_id == case_id]


def record_all(record: CaseRecord, commands: list[Any]) -> None:
    for command in commands:
        record.handle(command)


def wait_for(condition: Callable[[], bool], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.01)


# What counts as the database's fault, and what as the event's ---------------------------------


@pytest.mark.parametrize(
    "error",
    [
        sqlite3.OperationalError("database is locked"),
        sqlite3.OperationalError("disk I/O error"),
        sqlite3.DatabaseError("file is not a database"),
        sqlite3.InterfaceError("bad parameter or other API misuse"),
        psycopg.errors.LockNotAvailable("canceling statement due to lock timeout"),
        psycopg.errors.QueryCanceled("canceling statement due to statement timeout"),
        psycopg.errors.DeadlockDetected("deadlock detected"),
        psycopg.errors.AdminShutdown("terminating connection"),
        psycopg.errors.UndefinedTable("relation does not exist"),
        psycopg.OperationalError("the connection is closed"),
        persistence.OperationalError("database is locked"),
        ConnectionError("connection refused"),
        MemoryError(),
    ],
    ids=repr,
)
def test_a_fault_of_the_database_is_infrastructure(error: Exception):
    assert is_infrastructure_fault(error)


@pytest.mark.parametrize(
    "error",
    [
        OverflowError("Python int too large to convert to SQLite INTEGER"),
        psycopg.errors.NumericValueOutOfRange("bigint out of range"),
        sqlite3.IntegrityError("UNIQUE constraint failed"),
        psycopg.errors.UniqueViolation("duplicate key value"),
        persistence.IntegrityError("UNIQUE constraint failed"),
        sqlite3.ProgrammingError("Error binding parameter 1: type 'dict' is not supported"),
        KeyError("carer-9"),
        ValueError("unknown stage"),
        TypeError("unsupported operand"),
    ],
    ids=repr,
)
def test_anything_else_is_the_events_own(error: Exception):
    assert not is_infrastructure_fault(error)


def test_the_quarantine_keeps_no_value_from_the_error():
    assert plain_message(ValueError("no person named 'Margaret Oduya' on \"case\" 7\nsecond line")) == (
        "no person named <value> on <value> 7"
    )
    assert plain_message(KeyError("Margaret Oduya")) == "<value>"
    assert plain_message(ValueError("a NUL \x00 here")) == "a NUL ? here"
    assert len(plain_message(ValueError("x" * 5000))) == 300


# The runner, on SQLite and on PostgreSQL ----------------------------------------------------

FAULTS = {
    # (the faulty view, the name of the view it fails in)
    "handler": (LedgerThatOverflows, "budget_ledger"),
    "rows": (CurrentCaseThatOverflows, "current_case"),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_poison_event_quarantines_its_case_and_every_other_case_goes_on(
    record: CaseRecord, view_store: ViewStore, fault: str
):
    poisoned, other = Scenario(), Scenario()
    record_all(record, interleaved(a_long_case(poisoned), a_long_case(other)))
    kind, failing_view = FAULTS[fault]
    faulty = kind(poisoned.case_id)
    views = ProjectionRunner(record, view_store, views_with(faulty))
    total = record.last_position()

    # Batches of 7: the poison event sits inside a batch with other cases' events around it.
    assert views.run_until_caught_up(batch=7) == total
    assert views.positions() == {name: total for name in views.names}

    # The poison event is quarantined where it failed, with the error's class and message only.
    notes = case_notifications(record, poisoned.case_id)
    identified = next(n for n in notes if n.topic.endswith("CarerIdentified"))
    rows = quarantine_of(view_store, poisoned.case_id)
    [failed] = [r for r in rows if r.reason == "failed"]
    assert (failed.notification_id, failed.case_version, failed.event_type, failed.projection) == (
        identified.id,
        identified.originator_version,
        "CarerIdentified",
        failing_view,
    )
    assert failed.error_class in ("OverflowError", "NumericValueOutOfRange")
    assert "too large" in failed.error_message or "out of range" in failed.error_message
    assert "Oduya" not in json.dumps(rows)
    # It is undone in every view, and each of the case's later events is held in every view.
    assert {(r.notification_id, r.projection) for r in rows} == {
        (n.id, name) for n in notes if n.originator_version >= identified.originator_version for name in views.names
    }
    later = [r for r in rows if r.notification_id > identified.id]
    assert later and {(r.reason, r.error_class, r.error_message) for r in later} == {("held", None, HELD_BEHIND)}

    # So the poisoned case stands, in every view, exactly as it was before the poison event.
    before = identified.originator_version - 1
    case = record.case_at_version(poisoned.case_id, before)
    assert current_case_rows(view_store)[poisoned.case_id.hex] == expected_current_case(case.state, before)
    assert timeline_versions(view_store, poisoned.case_id) == list(range(1, before + 1))
    with view_store.read() as cursor:
        carers = cursor.execute(
            f"SELECT carer_id FROM {REGISTER} WHERE case_id = ?", (poisoned.case_id.hex,)
        ).fetchall()
        worklist_versions = cursor.execute(
            "SELECT DISTINCT version FROM view_worklist WHERE case_id = ?", (poisoned.case_id.hex,)
        ).fetchall()
    assert carers == []  # the carer's row, written before the failure, undone
    assert {int(v[0]) for v in worklist_versions} <= {before}

    # The other case, interleaved with it, is whole in every view.
    done = record.get_case(other.case_id)
    assert current_case_rows(view_store)[other.case_id.hex] == expected_current_case(done.state, done.version)
    assert timeline_versions(view_store, other.case_id) == list(range(1, done.version + 1))
    assert quarantine_of(view_store, other.case_id) == []
    assert view_store.quarantined_case_count() == 1

    # Released while the fault is still there: it fails again, and nothing changes.
    standing = every_row(view_store, views.projections)
    with pytest.raises(StillFailing) as still:
        views.release(poisoned.case_id, released_by="ops-1")
    assert (still.value.notification_id, still.value.projection) == (identified.id, failing_view)
    assert every_row(view_store, views.projections) == standing
    assert quarantine_of(view_store, poisoned.case_id) == rows

    # The cause fixed, the release re-applies the case: the views are as a clean rebuild makes them.
    faulty.armed = False
    released = views.release(poisoned.case_id, released_by="ops-1")
    assert (released.released_by, released.notifications) == ("ops-1", len({r.notification_id for r in rows}))
    assert view_store.quarantined_case_count() == 0
    after_release = every_row(view_store, views.projections)
    assert views.rebuild() == total
    assert every_row(view_store, views.projections) == after_release
    whole = record.get_case(poisoned.case_id)
    assert current_case_rows(view_store)[poisoned.case_id.hex] == expected_current_case(whole.state, whole.version)


def test_events_of_a_quarantined_case_arriving_later_are_held_and_released_with_it(
    record: CaseRecord, view_store: ViewStore
):
    poisoned, other = Scenario(), Scenario()
    faulty = LedgerThatOverflows(poisoned.case_id)
    views = ProjectionRunner(record, view_store, views_with(faulty))
    story = a_long_case(poisoned)
    record_all(record, story[:5] + [other.referral()])  # up to the poison event (the first carer)
    views.run_until_caught_up()
    first = [
        (r.case_version, r.reason)
        for r in quarantine_of(view_store, poisoned.case_id)
        if r.projection == "budget_ledger"
    ]
    assert first[0] == (5, "failed") and all(reason == "held" for _, reason in first[1:])

    record_all(record, story[5:8] + [other.screen()])  # the case goes on being worked meanwhile
    views.run_until_caught_up()
    held = [r for r in quarantine_of(view_store, poisoned.case_id) if r.error_message == HELD_BEHIND]
    assert sorted({r.case_version for r in held}) == list(range(6, record.get_case(poisoned.case_id).version + 1))
    assert timeline_versions(view_store, poisoned.case_id) == [1, 2, 3, 4]
    assert current_case_rows(view_store)[other.case_id.hex]["version"] == 2

    faulty.armed = False
    views.release(poisoned.case_id, released_by="ops-1")
    record_all(record, story[8:])  # after the release its events flow as any case's do
    views.run_until_caught_up()
    whole = record.get_case(poisoned.case_id)
    assert timeline_versions(view_store, poisoned.case_id) == list(range(1, whole.version + 1))
    assert current_case_rows(view_store)[poisoned.case_id.hex] == expected_current_case(whole.state, whole.version)
    assert view_store.quarantined_case_count() == 0
    released = every_row(view_store, views.projections)
    views.rebuild()
    assert every_row(view_store, views.projections) == released


def test_a_database_fault_quarantines_nothing_and_the_batch_is_retried(
    record: CaseRecord, view_store: ViewStore, store_env: dict[str, str]
):
    poisoned, other = Scenario(), Scenario()
    record_all(record, interleaved(a_long_case(poisoned), a_long_case(other)))
    # A genuine poison event in the same batch, before the database goes away: while isolating
    # it, the runner meets the database fault, and must give up the whole batch, poison included.
    away = TimelineWithTheDatabaseAway(other.case_id, from_version=8, error=database_away(store_env))
    views = ProjectionRunner(record, view_store, views_with(LedgerThatOverflows(poisoned.case_id), away))
    total = record.last_position()

    with pytest.raises(type(away.error)):
        views.run_once(batch=total)
    assert views.positions() == {name: 0 for name in views.names}
    assert view_store.quarantined_case_count() == 0
    assert view_store.dump("view_audit_timeline", "case_id, version") == []

    stop = threading.Event()
    thread = threading.Thread(target=views.run_forever, args=(stop, 0.01, total), daemon=True)
    thread.start()
    try:
        wait_for(lambda: away.hits >= 4)  # retried, with nothing quarantined while the database is away
        assert views.positions() == {name: 0 for name in views.names}
        assert view_store.quarantined_case_count() == 0
        away.away = False  # the database is back
        wait_for(lambda: min(views.positions().values()) == total)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()

    # Only the genuine poison event is quarantined; the case the fault was on is whole.
    ledger_rows = [r.reason for r in quarantine_of(view_store, poisoned.case_id) if r.projection == "budget_ledger"]
    assert ledger_rows[0] == "failed"
    assert quarantine_of(view_store, other.case_id) == []
    done = record.get_case(other.case_id)
    assert current_case_rows(view_store)[other.case_id.hex] == expected_current_case(done.state, done.version)
    assert [tuple(r[1:]) for r in view_store.dump("view_audit_timeline", "version") if r[0] == other.case_id.hex] == [
        tuple(timeline_entry(e).model_dump().values()) for e in record.stored_events(other.case_id)
    ]


@pytest.mark.parametrize("store_env", ["postgres"], indirect=True)
def test_a_real_lock_timeout_quarantines_nothing_and_the_batch_applies_once_the_lock_goes(
    record: CaseRecord, view_store: ViewStore, store_env: dict[str, str]
):
    """No injected fault at all: another session holds a view's table, the runner's lock timeout
    expires, and PostgreSQL raises LockNotAvailable in the middle of the batch."""
    s = Scenario()
    record_all(record, a_long_case(s)[:6])
    views = ProjectionRunner(record, view_store, all_views())
    with view_store.transaction() as cursor:
        cursor.execute("SET lock_timeout = '200ms'")  # for the session, as an operator might set it
    holder = psycopg.connect(
        host=store_env["POSTGRES_HOST"],
        port=int(store_env["POSTGRES_PORT"]),
        user=store_env["POSTGRES_USER"],
        password=store_env.get("POSTGRES_PASSWORD", ""),
        dbname=store_env["POSTGRES_DBNAME"],
    )
    try:
        holder.execute(f'SET search_path TO "{store_env["POSTGRES_SCHEMA"]}"')
        holder.execute("LOCK TABLE view_audit_timeline IN ACCESS EXCLUSIVE MODE")
        with pytest.raises(psycopg.errors.LockNotAvailable):
            views.run_once()
        assert views.positions() == {name: 0 for name in views.names}
        assert view_store.quarantined_case_count() == 0
    finally:
        holder.close()  # the lock goes with the session
    assert views.run_until_caught_up() == record.last_position()
    assert view_store.quarantined_case_count() == 0
    assert timeline_versions(view_store, s.case_id) == list(range(1, record.get_case(s.case_id).version + 1))


# The command line ------------------------------------------------------------------------------


def carecase(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = dict(os.environ, PYTHONPATH=str(ROOT), CARECASE_LOG_LEVEL="warning", **env)
    return subprocess.run(
        [sys.executable, "-m", "workers.cli", *args], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=180
    )


@pytest.mark.parametrize("store_env", ["sqlite"], indirect=True)
def test_carecase_ops_quarantine_lists_the_quarantined_case_by_id(
    record: CaseRecord, view_store: ViewStore, store_env: dict[str, str]
):
    poisoned, other = Scenario(), Scenario()
    record_all(
        record,
        [
            poisoned.referral(),
            other.referral(),
            poisoned.screen(),
            poisoned.identify_carer(),
            other.screen(),
            poisoned.start_adult(),
        ],
    )
    ProjectionRunner(record, view_store, views_with(LedgerThatOverflows(poisoned.case_id))).run_until_caught_up()
    store = {"CARECASE_SQLITE_PATH": store_env["SQLITE_DBNAME"]}

    listed = carecase("ops", "quarantine", "--json", **store)
    assert listed.returncode == 0, listed.stderr
    [item] = json.loads(listed.stdout)
    assert (item["case_id"], item["case_version"], item["event_type"], item["failed_in"], item["error_class"]) == (
        poisoned.case_id.hex,
        3,
        "CarerIdentified",
        ["budget_ledger"],
        "OverflowError",
    )
    assert item["held_notifications"] == len(record.stored_events(poisoned.case_id)) - 3
    plain = carecase("ops", "quarantine", **store)
    assert plain.returncode == 0, plain.stderr
    assert poisoned.case_id.hex in plain.stdout and "1 case(s) quarantined" in plain.stdout
    assert other.case_id.hex not in plain.stdout and "Oduya" not in listed.stdout + plain.stdout


# Over HTTP, on the API's real stack ------------------------------------------------------------


def auth(tokens: Any, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[1][role]}"}


def view_of(views_running: ProjectionRunner, name: str) -> Any:
    return next(view for view in views_running.projections if view.name == name)


async def open_case(http: httpx.AsyncClient, tokens: Any, s: Scenario) -> tuple[str, int]:
    from tests.api.test_lifecycle_over_http import body_of

    made = await http.post("/cases", json=body_of(s.referral()), headers=auth(tokens, "social_worker"))
    assert made.status_code == 201, made.text
    case_id = made.json()["case_id"]
    screened = await http.post(
        f"/cases/{case_id}/screen-referral", json=body_of(s.screen()), headers=auth(tokens, "social_worker")
    )
    assert screened.status_code == 200, screened.text
    return case_id, screened.json()["position"]


async def send(http: httpx.AsyncClient, tokens: Any, path: str, command: Any) -> int:
    from tests.api.test_lifecycle_over_http import body_of

    sent = await http.post(path, json=body_of(command), headers=auth(tokens, "social_worker"))
    assert sent.status_code == 200, sent.text
    return int(sent.json()["position"])


async def eventually(check: Callable[[], Any], seconds: float = 30.0) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        found = await check()
        if found:
            return found
        assert time.monotonic() < deadline, "gave up waiting"
        await asyncio.sleep(0.02)


async def test_over_http_one_poisoned_case_is_quarantined_listed_and_released(
    http: httpx.AsyncClient,
    tokens: Any,
    views_running: ProjectionRunner,
    case_record: CaseRecord,
    monkeypatch: pytest.MonkeyPatch,
):
    s, t = Scenario(), Scenario()
    case_id, _ = await open_case(http, tokens, s)
    ledger = view_of(views_running, "budget_ledger")
    real = ledger.handle

    def overflowing(cursor: ViewCursor, event: Any, notification_id: int) -> bool:  # the injected fault
        handled = real(cursor, event, notification_id)
        if isinstance(event, Case.CarerIdentified) and event.originator_id.hex == case_id:
            cursor.execute(f"UPDATE {LEDGER} SET paid_pence = ? WHERE case_id = ?", (TOO_MANY_PENCE, case_id))
        return handled

    monkeypatch.setattr(ledger, "handle", overflowing)
    sw, ops = auth(tokens, "social_worker"), auth(tokens, "ops")

    # The views go past the poison event: reading after it answers at once, the case as it stood.
    position = await send(http, tokens, f"/cases/{case_id}/identify-carer", s.identify_carer())
    read = await http.get(f"/cases/{case_id}", params={"min_position": position}, headers=sw)
    assert read.status_code == 200, read.text
    assert (read.json()["case"]["version"], read.json()["case"]["carers_identified"]) == (2, 0)
    assert read.json()["quarantined"] is True  # the screen says it is behind, not that this is all
    # A case after it is applied and readable.
    other_id, other_position = await open_case(http, tokens, t)
    other = await http.get(f"/cases/{other_id}", params={"min_position": other_position}, headers=sw)
    assert other.status_code == 200 and other.json()["case"]["version"] == 2
    assert other.json()["quarantined"] is False
    # The quarantined case's later events are held behind the one that failed.
    held_position = await send(http, tokens, f"/cases/{case_id}/start-needs-assessment", s.start_adult())
    read = await http.get(f"/cases/{case_id}", params={"min_position": held_position}, headers=sw)
    assert read.status_code == 200 and read.json()["case"]["version"] == 2

    health = await http.get("/health")
    assert health.status_code == 200
    assert (health.json()["status"], health.json()["quarantined_cases"], health.json()["problems"]) == (
        "degraded",
        1,
        ["1 case(s) quarantined"],
    )
    listed = await http.get("/ops/quarantine", headers=ops)
    assert listed.status_code == 200
    [item] = listed.json()["items"]
    assert listed.json()["quarantined_cases"] == 1
    assert (item["case_id"], item["case_version"], item["event_type"], item["failed_in"], item["error_class"]) == (
        case_id,
        3,
        "CarerIdentified",
        ["budget_ledger"],
        "OverflowError",
    )
    assert item["held_notifications"] == len(case_record.stored_events(UUID(case_id))) - 3
    assert set(item) == {
        "case_id",
        "quarantined_at",
        "notification_id",
        "case_version",
        "event_type",
        "failed_in",
        "error_class",
        "error_message",
        "held_notifications",
    }  # ids, types and the error only
    assert "Oduya" not in listed.text
    assert (await http.get("/ops/quarantine", headers=auth(tokens, "social_worker"))).status_code == 403

    monkeypatch.undo()  # the cause fixed
    released = await http.post(
        f"/ops/quarantine/{case_id}/release", headers=ops, json={"reason": "the overflowing amount was corrected"}
    )
    assert released.status_code == 200, released.text
    assert released.json()["released"] is True and released.json()["notifications"] == item["held_notifications"] + 1
    after = (await http.get(f"/cases/{case_id}", headers=sw)).json()
    case = after["case"]
    assert after["quarantined"] is False
    whole = case_record.get_case(UUID(case_id))
    assert (case["version"], case["carers_identified"], case["stage"]) == (whole.version, 1, whole.state.stage.value)
    assert (await http.get("/ops/quarantine", headers=ops)).json() == {"quarantined_cases": 0, "items": []}
    assert (await http.get("/health")).json()["status"] == "ok"
    log = (await http.get("/audit/ops-actions", params={"case_id": case_id}, headers=auth(tokens, "auditor"))).json()
    assert [(a["action"], a["user_id"], a["outcome"]["released"]) for a in log] == [("release", "ops-1", True)]
    again = await http.post(f"/ops/quarantine/{case_id}/release", headers=ops, json={"reason": "twice"})
    assert (again.status_code, again.json()["code"]) == (404, "not_quarantined")


async def test_health_is_degraded_not_down_while_the_views_lag_or_temporal_does_not_answer(
    http: httpx.AsyncClient, tokens: Any, views_running: ProjectionRunner, backend: Any, monkeypatch: pytest.MonkeyPatch
):
    s = Scenario()
    case_id, position = await open_case(http, tokens, s)
    assert (
        await http.get(f"/cases/{case_id}", params={"min_position": position}, headers=auth(tokens, "social_worker"))
    ).status_code == 200
    assert (await http.get("/health")).json() == {
        "status": "ok",
        "views_position": position,
        "views_lag": 0,
        "quarantined_cases": 0,
        "temporal": True,
        "problems": [],
    }

    timeline = view_of(views_running, "audit_timeline")
    real, hits = timeline.handle, []

    def database_is_away(cursor: ViewCursor, event: Any, notification_id: int) -> bool:  # the injected fault
        if event.originator_id.hex == case_id:
            hits.append(notification_id)
            raise sqlite3.OperationalError("database is locked")
        return real(cursor, event, notification_id)

    monkeypatch.setattr(timeline, "handle", database_is_away)
    behind = await send(http, tokens, f"/cases/{case_id}/identify-carer", s.identify_carer())

    async def lagging() -> Any:
        answer = (await http.get("/health", params={"lag_threshold": 0})).json()
        return answer if answer["views_lag"] > 0 and len(hits) >= 3 else None

    health = await eventually(lagging)  # the batch is retried, again and again, and nothing is quarantined
    assert (health["status"], health["quarantined_cases"], health["views_position"]) == ("degraded", 0, position)
    assert health["problems"] == [f"views {health['views_lag']} notification(s) behind the log"]
    assert (await http.get("/health")).json()["status"] == "ok"  # within the default threshold
    assert (await http.get("/ops/quarantine", headers=auth(tokens, "ops"))).json()["quarantined_cases"] == 0

    monkeypatch.undo()  # the database is back

    async def caught_up() -> Any:
        answer = (await http.get("/health", params={"lag_threshold": 0})).json()
        return answer if answer["status"] == "ok" else None

    assert (await eventually(caught_up, seconds=60))["views_position"] >= behind

    def unreachable(**_: Any) -> bool:  # the injected fault: Temporal does not answer
        raise ConnectionError("Temporal unreachable (injected)")

    monkeypatch.setattr(backend.temporal.service_client, "check_health", unreachable)
    answer = await http.get("/health")
    assert answer.status_code == 200
    assert (answer.json()["status"], answer.json()["temporal"], answer.json()["problems"]) == (
        "degraded",
        False,
        ["Temporal does not answer"],
    )
