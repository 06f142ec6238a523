"""Fixtures: the case record on a real SQLite file and on a real PostgreSQL cluster.

``record`` is parametrised over both stores, so every story about the case runs on each.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from domain.application import CaseRecord
from domain.commands import CouncilSettings
from policy.catalogue import RuleSetCatalogue
from tests.clock import SteppingClock
from tests.postgres_cluster import Cluster, start_cluster
from tests.rule_sets import TEST_COUNCILS

# The Temporal dev server and workers, for the workflow and API tests.
pytest_plugins = ["tests.temporal_fixtures"]


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[Cluster]:
    cluster = start_cluster()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def postgres_env(postgres_cluster: Cluster) -> dict[str, str]:
    """A fresh schema per test, so tests never see each other's events."""
    schema = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(
        host="127.0.0.1", port=postgres_cluster.port, user="postgres", dbname="postgres", autocommit=True
    ) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return {
        "PERSISTENCE_MODULE": "eventstore.postgres",
        "POSTGRES_ENABLE_DB_FUNCTIONS": "no",
        "POSTGRES_SCHEMA": schema,
        "POSTGRES_POOL_SIZE": "4",
        **postgres_cluster.env,
    }


@pytest.fixture
def sqlite_env(tmp_path: Path) -> dict[str, str]:
    return {
        "PERSISTENCE_MODULE": "eventstore.sqlite",
        "SQLITE_DBNAME": str(tmp_path / "carecase.sqlite"),
        "SQLITE_LOCK_TIMEOUT": "30",
    }


@pytest.fixture(
    params=[pytest.param("sqlite", marks=pytest.mark.sqlite), pytest.param("postgres", marks=pytest.mark.postgres)]
)
def store_env(request: pytest.FixtureRequest) -> dict[str, str]:
    return request.getfixturevalue(f"{request.param}_env")


@pytest.fixture
def clock() -> SteppingClock:
    return SteppingClock()


@pytest.fixture
def catalogue() -> RuleSetCatalogue:
    return RuleSetCatalogue(TEST_COUNCILS)


@pytest.fixture
def council() -> CouncilSettings:
    return CouncilSettings()


@pytest.fixture
def record(
    store_env: dict[str, str], catalogue: RuleSetCatalogue, council: CouncilSettings, clock: SteppingClock
) -> Iterator[CaseRecord]:
    app = CaseRecord(store_env, rule_sets=catalogue, council=council, clock=clock)
    try:
        yield app
    finally:
        app.close()


_finished_session = pytest.StashKey[pytest.Session]()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    session.config.stash[_finished_session] = session


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """Leave with pytest's own status as soon as it is done.

    The Temporal SDK's Rust threads can crash the interpreter at exit after every test passed
    (status 134/139, intermittently). The summary is printed by then; nothing is left to run.
    """
    session = config.stash.get(_finished_session, None)
    if session is None:
        return
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(int(session.exitstatus))
