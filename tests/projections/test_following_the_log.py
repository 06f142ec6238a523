"""On PostgreSQL the projection runner follows the log by LISTEN/NOTIFY: it is woken by each append,
not by its poll, and when its listening connection is lost it listens again (polling covers the gap).

Each runner here polls once an hour, so a view that follows an append at all was woken by it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest

from domain.application import CaseRecord
from eventstore.appends import Polling
from policy.catalogue import RuleSetCatalogue
from projections.runner import ProjectionRunner
from projections.store import view_store_from_env
from tests.builders import Scenario
from tests.postgres_cluster import connect
from tests.projections.story import a_short_case, runner

AN_HOUR = 3600.0
PATIENCE_SECONDS = 20.0  # far below the poll: only a wake-up can beat it


@pytest.fixture
def pg_record(postgres_env: dict[str, str], catalogue: RuleSetCatalogue) -> Iterator[CaseRecord]:
    app = CaseRecord(postgres_env, rule_sets=catalogue)
    try:
        yield app
    finally:
        app.close()


@pytest.fixture
def following(pg_record: CaseRecord, postgres_env: dict[str, str]) -> Iterator[ProjectionRunner]:
    """A runner following the log in a thread, polling once an hour."""
    views = runner(pg_record, view_store_from_env(postgres_env))
    stop = threading.Event()
    thread = threading.Thread(target=views.run_forever, args=(stop, AN_HOUR), daemon=True)
    thread.start()
    try:
        yield views
    finally:
        stop.set()
        thread.join(timeout=10)
        views.store.close()
    assert not thread.is_alive(), "the runner did not stop when asked, an hour's poll notwithstanding"


def until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + PATIENCE_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"not within {PATIENCE_SECONDS:.0f} s: {what}"
        time.sleep(0.02)


def caught_up(views: ProjectionRunner, record: CaseRecord) -> bool:
    return min(views.positions().values()) >= record.last_position()


def listeners(postgres_env: dict[str, str]) -> list[int]:
    """The backends that LISTEN on the events table's channel (pg_stat_activity shows the statement)."""
    with connect(postgres_env, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE query ILIKE 'LISTEN %%' AND pid <> pg_backend_pid()"
        ).fetchall()
    return [int(row[0]) for row in rows]


def terminate(postgres_env: dict[str, str], pids: list[int]) -> None:
    with connect(postgres_env, autocommit=True) as conn:
        for pid in pids:
            conn.execute("SELECT pg_terminate_backend(%s)", (pid,))


@pytest.mark.postgres
def test_the_views_follow_each_append_without_waiting_for_the_poll(
    pg_record: CaseRecord, following: ProjectionRunner
) -> None:
    for s in (Scenario(), Scenario()):  # two cases, one command at a time
        for command in a_short_case(s):
            pg_record.handle(command)
            until(lambda: caught_up(following, pg_record), f"the views applying {command.type_name()}")


@pytest.mark.postgres
def test_a_lost_listening_connection_is_made_again_and_nothing_is_missed(
    pg_record: CaseRecord, following: ProjectionRunner, postgres_env: dict[str, str]
) -> None:
    s = Scenario()
    commands = a_short_case(s)
    pg_record.handle(commands[0])
    until(lambda: caught_up(following, pg_record), "the first command applied")
    until(lambda: bool(listeners(postgres_env)), "a LISTEN in place")
    terminate(postgres_env, listeners(postgres_env))
    # Appended while nobody listens: read once the listener is back, not an hour later.
    for command in commands[1:]:
        pg_record.handle(command)
    until(lambda: caught_up(following, pg_record), "the commands appended while the listener was lost")
    until(lambda: bool(listeners(postgres_env)), "the LISTEN made again")


@pytest.mark.sqlite
def test_sqlite_which_cannot_tell_another_process_is_polled(sqlite_env: dict[str, str], catalogue: RuleSetCatalogue):
    app = CaseRecord(sqlite_env, rule_sets=catalogue)
    try:
        signal = app.append_signal()
        stop = threading.Event()
        began = time.monotonic()
        assert signal.wait(0.2, stop) is False  # nothing wakes it: the poll interval passes
        assert time.monotonic() - began >= 0.2
        stop.set()
        assert signal.wait(AN_HOUR, stop) is False  # but a stop ends the wait at once
        assert isinstance(signal, Polling)
    finally:
        app.close()
