"""Each council of a deployment in its own partition (decision 0040), on both stores: a PostgreSQL
schema per council, an SQLite file per council. A council's chains verify, and its views rebuild,
with nothing of the other's in them."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from config.bootstrap import build_case_record, build_projection_runner
from config.councils import RegisteredCouncil, council_settings, prepare_partition, schema_name
from config.settings import Settings
from domain.application import CaseRecord
from projections.case_access import ACCESS
from tests.builders import Scenario
from tests.postgres_cluster import Cluster
from tests.rule_sets import TEST_COUNCILS

COUNCILS = (
    RegisteredCouncil(code="E06000047", folder="eastvale"),
    RegisteredCouncil(code="E09000033", folder="southfield"),
)


def partitions(store: str, tmp_path: Path, request: pytest.FixtureRequest) -> list[Settings]:
    env = {
        "CARECASE_STORE": store,
        "CARECASE_COUNCILS_DIR": str(tmp_path / "councils"),
        "CARECASE_CHECKPOINT_DIR": str(tmp_path / "checkpoints"),
        "CARECASE_POLICY_FOLDER": str(TEST_COUNCILS),
    }
    if store == "postgres":
        cluster: Cluster = request.getfixturevalue("postgres_cluster")
        env.update(cluster.env)
    found = [council_settings(council, env) for council in COUNCILS]
    for settings in found:
        prepare_partition(settings)
    return found


def open_cases(record: CaseRecord, count: int) -> set[str]:
    made = set()
    for _ in range(count):
        s = Scenario()
        for command in (s.referral(), s.screen()):
            record.handle(command)
        made.add(s.case_id.hex)
    return made


@pytest.mark.parametrize(
    "store", [pytest.param("sqlite", marks=pytest.mark.sqlite), pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_each_councils_chains_verify_and_views_rebuild_alone(
    store: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    settings = partitions(store, tmp_path, request)
    assert [s.council.council_code for s in settings] == [c.code for c in COUNCILS]
    records = [build_case_record(s) for s in settings]
    try:
        opened = [open_cases(record, count) for record, count in zip(records, (2, 1), strict=True)]
        for record, own, other in ((records[0], opened[0], opened[1]), (records[1], opened[1], opened[0])):
            reports = list(record.verify_all_chains())
            chained = {r.case_id for r in reports}
            assert all(r.intact for r in reports)
            assert own <= chained and not other & chained
            assert {case.hex for case in record.case_ids()} == own
        runner = build_projection_runner(records[0], settings[0])
        try:
            runner.rebuild()
            assert runner.positions() and min(runner.positions().values()) == records[0].last_position()
            with runner.store.read() as cursor:
                viewed = {row[0] for row in cursor.execute(f"SELECT case_id FROM {ACCESS}").fetchall()}
            assert viewed == opened[0]
        finally:
            runner.store.close()
    finally:
        for record in records:
            record.close()
        if store == "postgres":
            cluster: Cluster = request.getfixturevalue("postgres_cluster")
            with psycopg.connect(
                **{"host": "127.0.0.1", "port": cluster.port, "user": "postgres", "dbname": "postgres"}, autocommit=True
            ) as conn:
                for council in COUNCILS:
                    conn.execute(f'DROP SCHEMA IF EXISTS "{schema_name(council.code)}" CASCADE')


def test_a_registered_councils_partition_is_its_own_file_schema_and_queue() -> None:
    settings = council_settings(COUNCILS[0], {"CARECASE_TASK_QUEUE": "carecase"})
    assert settings.sqlite_path == Path("var/councils/E06000047/carecase.sqlite")
    assert settings.store_env()["SQLITE_DBNAME"] == "var/councils/E06000047/carecase.sqlite"
    pg = council_settings(COUNCILS[0], {"CARECASE_STORE": "postgres"})
    assert pg.store_env()["POSTGRES_SCHEMA"] == "council_e06000047"
