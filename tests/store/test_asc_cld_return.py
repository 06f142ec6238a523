"""The ASC-CLD return of a seeded caseload of several hundred cases, on both stores: exactly one
row per completed request, assessment and review and per service active in the period, each
counted here straight from the stored events; every mandatory field filled and every coded value
in the specification's list; and the same Event_References on a second run (decision 0045)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from domain.application import CaseRecord
from domain.case.base import took_effect_at
from domain.returns.asc_cld import build_return, period_ending
from domain.returns.asc_cld_spec import FIELDS, ClientType, EventType, Format
from simulation.caseload import generate_caseload, load
from tests.clock import SteppingClock

PERIOD_END = date(2026, 12, 31)
COUNCIL = "E10000099"
APPROVED = {"approved", "approved_with_changes"}


def day_of(event: Any) -> date:
    return took_effect_at(event).astimezone(UTC).date()


def expected_counts(record: CaseRecord, start: date, end: date) -> Counter[str]:
    """The rows the return should have, counted from each case's events by their own rules."""
    counts: Counter[str] = Counter()
    for case_id in record.case_ids():
        events = record.stored_events(case_id)
        if type(events[0]).__name__ != "ReferralReceived":
            continue
        counts += count_case(record, case_id, events, start, end)
    return counts


def count_case(record: CaseRecord, case_id: Any, events: list[Any], start: date, end: date) -> Counter[str]:
    counts: Counter[str] = Counter()
    names = [type(e).__name__ for e in events]

    def later(index: int, *kinds: str) -> list[Any]:
        return [e for e, n in zip(events[index + 1 :], names[index + 1 :], strict=True) if n in kinds]

    for index, (event, name) in enumerate(zip(events, names, strict=True)):
        day = day_of(event)
        if name in ("ReferralScreened", "NeedsAssessmentCompleted", "CarerAssessmentCompleted"):
            counts[{"ReferralScreened": "Request"}.get(name, "Assessment")] += start <= day <= end
        elif name == "ReviewCompleted":
            reviewed = record.case_at_version(case_id, event.originator_version).state.reviews[event.review_id]
            counts["Review"] += len(reviewed.person_ids) if start <= day <= end else 0
        elif name == "SignOffDecisionRecorded" and event.outcome.value in APPROVED:
            person = event.person_id
            plan = record.case_at_version(case_id, event.originator_version).state.people[person].plan
            stops = [
                day_of(e) - timedelta(days=1)
                for e in later(index, "SignOffDecisionRecorded")
                if e.person_id == person and e.outcome.value in APPROVED
            ]
            stops += [e.ended_on for e in later(index, "InvolvementEnded") if e.person_id == person]
            stops += [day_of(e) for e in later(index, "CaseClosed")]
            stop = min(stops, default=None)
            for line in plan.lines:
                first = line.starts_on or day
                last = min([d for d in (stop, line.ends_on) if d is not None], default=None)
                ran = last is None or last >= first
                counts["Service"] += ran and first <= end and (last is None or last >= start)
        elif name in ("ReablementStarted", "InterimSupportArranged"):
            ending = "ReablementEnded" if name == "ReablementStarted" else "InterimSupportEnded"
            ends = [e.ended_on for e in later(index, ending, "InvolvementEnded") if e.person_id == event.person_id]
            ends += [day_of(e) for e in later(index, "CaseClosed")]
            last = min(ends, default=None)
            lines = 1 if name == "ReablementStarted" else len(event.lines)
            counts["Service"] += lines * (event.starts_on <= end and (last is None or last >= start))
    return counts


@pytest.fixture
def caseload(record: CaseRecord, clock: SteppingClock) -> CaseRecord:
    # Recorded after the period, as a council's record stands when it makes the return.
    clock.now = datetime(2027, 2, 1, tzinfo=UTC)
    scripts = generate_caseload(320, seed=45, start=date(2024, 6, 1), end=date(2027, 1, 20), person_details=True)
    load(record, scripts)
    return record


def test_the_return_has_one_row_per_event_each_valid_and_the_same_references_every_run(caseload: CaseRecord):
    period = period_ending(PERIOD_END)
    assert (period.start, period.end) == (date(2026, 1, 1), PERIOD_END)

    made = build_return(caseload, period, COUNCIL)

    rows = made.rows
    by_type = Counter(row["Event_Type"] for row in rows)
    expected = expected_counts(caseload, period.start, period.end)
    assert by_type == expected
    assert all(by_type[t.value] > 20 for t in EventType), by_type  # a caseload that exercises every kind
    assert len({row["Event_Reference"] for row in rows}) == len(rows)  # one row per event

    for row in rows:
        event, client = EventType(row["Event_Type"]), ClientType(row["Client_Type"])
        ended = bool(row["Event_End_Date"])
        for spec in FIELDS:
            value = row[spec.name]
            if spec.mandatory_for(event, client, ended):
                assert value, (spec.name, row["Event_Reference"])
            if value and spec.format == Format.CODE_LIST:
                assert value in spec.values, (spec.name, value)
            if not spec.applies_to(event, client):
                assert not value, (spec.name, row["Event_Reference"])
    assert made.report.valid, made.report.failures
    assert made.report.rows == len(rows)
    assert made.report.people_without_nhs_number == made.report.people  # the seeded referrals give none
    assert set(made.case_ids) == {row["Event_Reference"].split("-")[0] for row in rows}

    again = build_return(caseload, period, COUNCIL)
    assert [row["Event_Reference"] for row in again.rows] == [row["Event_Reference"] for row in rows]
    assert again.rows == rows
