"""The access log, the operations log and finance's acknowledgements are hash chains: two writers
on one database (two API processes) queue for the next link and never fork the chain, and two
finance systems acknowledging the same messages leave one acknowledgement each, on SQLite and on
PostgreSQL; an edited or removed row is named by its sequence number."""

from __future__ import annotations

import threading

from api.access_log import AccessLog
from domain.application import CaseRecord
from domain.errors import RuleViolation
from projections.store import view_store_from_env


def test_two_writers_on_one_database_keep_one_unbroken_chain(record: CaseRecord, store_env: dict[str, str]):
    stores = [view_store_from_env(store_env) for _ in range(2)]
    try:
        logs = [AccessLog(store) for store in stores]
        start = threading.Barrier(2)
        failures: list[BaseException] = []
        refusals: list[int] = []

        def write(log: AccessLog, writer: int) -> None:
            try:
                start.wait()
                for n in range(60):
                    log.case_read(
                        user_id=f"user-{writer}", role="social_worker", case_id=f"{n:032x}", what="case", path="/"
                    )
                    log.ops_action(
                        user_id=f"ops-{writer}", role="ops", action="retry", case_id=f"{n:032x}", reason="r", outcome={}
                    )
                    # Both finance systems acknowledge every message, each under its own reference:
                    # one acknowledgement stands per message, the other is refused.
                    try:
                        log.acknowledge(
                            user_id=f"fin-{writer}", role="finance_officer", instruction_id=n + 1,
                            case_id=f"{n:032x}", finance_reference=f"W{writer}-{n}",
                        )  # fmt: skip
                    except RuleViolation as refused:
                        assert refused.code == "instruction_acknowledged_under_another_reference"
                        refusals.append(n + 1)
            except BaseException as error:  # reported below: a thread's failure must fail the test
                failures.append(error)

        threads = [threading.Thread(target=write, args=(log, i)) for i, log in enumerate(logs)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not failures, failures
        reports = {report.log: report for report in logs[0].verify()}
        assert {name: (r.rows, r.intact) for name, r in reports.items()} == {
            "api_access_log": (120, True),
            "ops_action_log": (120, True),
            "finance_ack_log": (60, True),
        }
        assert sorted(refusals) == list(range(1, 61))
        assert sorted(logs[1].acknowledgements()) == list(range(1, 61))
        seqs = [row["seq"] for row in logs[1].reads(case_id=None, user_id=None, limit=1000)]
        assert seqs == list(range(120, 0, -1))
    finally:
        for store in stores:
            store.close()


def test_an_edited_or_removed_operations_row_is_named(record: CaseRecord, store_env: dict[str, str]):
    store = view_store_from_env(store_env)
    try:
        log = AccessLog(store)
        for n in range(4):
            log.ops_action(
                user_id="ops-1", role="ops", action="retry", case_id=f"{n:032x}", reason="r", outcome={"n": n}
            )
        with store.transaction() as cursor:
            cursor.execute("UPDATE ops_action_log SET outcome = ? WHERE seq = 1", ('{"n": 9}',))
            cursor.execute("DELETE FROM ops_action_log WHERE seq = 3")
        [report] = [r for r in log.verify() if r.log == "ops_action_log"]
        assert not report.intact
        assert [(p.seq, p.problem.split(" (")[0].split(":")[0]) for p in report.problems] == [
            (1, "content does not match its hash"),
            (4, "expected row 3 next, found 4"),
        ]
    finally:
        store.close()
