"""Two writers on one case never lose a write; the same command twice appends once.

Story: two case workers' sessions (two separate CaseRecord instances, as two processes would be)
record reviews on the same case at the same moment.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from domain.application import CaseRecord
from policy.catalogue import RuleSetCatalogue
from tests.builders import Scenario
from tests.clock import SteppingClock
from tests.rule_sets import TEST_COUNCILS

PER_WRITER = 25


def _run_together(*jobs: Callable[[], None]) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(len(jobs))

    def wrap(job: Callable[[], None]) -> None:
        start.wait()
        try:
            job()
        except BaseException as error:  # collected and asserted on by the test
            errors.append(error)

    threads = [threading.Thread(target=wrap, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def _second_writer(store_env: dict[str, str]) -> CaseRecord:
    return CaseRecord(store_env, rule_sets=RuleSetCatalogue(TEST_COUNCILS), clock=SteppingClock())


def test_two_writers_on_one_case_lose_nothing(record: CaseRecord, store_env: dict[str, str]) -> None:
    story = Scenario()
    record.handle(story.referral())
    other = _second_writer(store_env)
    try:

        def writer(app: CaseRecord, prefix: str) -> Callable[[], None]:
            def job() -> None:
                for n in range(PER_WRITER):
                    app.handle(story.request_review(review_id=f"{prefix}-{n}", command_id=f"{prefix}-cmd-{n}"))

            return job

        errors = _run_together(writer(record, "a"), writer(other, "b"))
    finally:
        other.close()

    assert errors == []
    events = record.stored_events(story.case_id)
    assert [e.originator_version for e in events] == list(range(1, 2 * PER_WRITER + 2))
    reviews = record.get_case(story.case_id).state.reviews
    assert sorted(reviews) == sorted([f"a-{n}" for n in range(PER_WRITER)] + [f"b-{n}" for n in range(PER_WRITER)])
    assert record.verify_chain(story.case_id).intact


def test_the_same_command_sent_twice_at_once_is_recorded_once(record: CaseRecord, store_env: dict[str, str]) -> None:
    story = Scenario()
    record.handle(story.referral())
    command = story.screen()
    other = _second_writer(store_env)
    outcomes = []
    try:
        errors = _run_together(
            lambda: outcomes.append(record.handle(command)), lambda: outcomes.append(other.handle(command))
        )
    finally:
        other.close()

    assert errors == []
    assert sorted(o.duplicate for o in outcomes) == [False, True]
    assert [o.events[0].version for o in outcomes] == [2, 2]
    assert [type(e).__name__ for e in record.stored_events(story.case_id)] == ["ReferralReceived", "ReferralScreened"]
