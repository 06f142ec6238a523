"""The ASC-CLD return built from the event store: one row per request, assessment, service and
review of the adults and carers on the council's cases over the twelve months to a period end,
and the validation report that comes with each file (decision 0045).

What is a row, read from each case's events in order (``case_rows``):

- a **request** is a referral, ended when it was screened (a referral closed unscreened was
  withdrawn: no row);
- an **assessment** is an adult's needs assessment or a carer's assessment, from its start to its
  completion (one refused or overtaken by the case closing was cancelled: no row);
- a **service** is a line of a signed-off plan, from the day it runs to the day a newer signed-off
  plan replaces it, the line ends, the person's involvement ends or the case closes; a period of
  reablement and urgent interim support are services too;
- a **review** is a review completed, one row for each person it reviewed (a cancelled one: none).

A request, assessment or review is in the return once it ended within the period; a service once
it ran on any day of it. The record is read as it stands today, so a fact entered late is counted
where it took effect. Every row's ``Event_Reference`` is the case id and the version of the event
the row began with (and for a service its line, for a review its person): the same on every run.

The person's fields come from the case as it stands (their latest details); the mapping from the
record's words to the return's codes is ``asc_cld_mapping``, the field list ``asc_cld_spec``.
Pure but for ``build_return``, which reads the case record through ``CaseRecord``.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, timedelta
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from domain.case.assessment import AssessmentSteps
from domain.case.base import took_effect_at
from domain.case.carers import CarerSteps
from domain.case.endings import EndingSteps
from domain.case.interim import InterimSteps
from domain.case.planning import PlanningSteps
from domain.case.reablement import ReablementSteps
from domain.case.referral import ReferralSteps
from domain.case.reviews import ReviewSteps
from domain.case.rules import APPROVING_OUTCOMES
from domain.case.state import CaseState, Person
from domain.eligibility import determine_adult_eligibility, determine_carer_eligibility
from domain.errors import InvalidInput
from domain.planning import PlanLine, SupportPlan
from domain.returns import asc_cld_mapping as m
from domain.returns.asc_cld_spec import (
    FIELD_NAMES,
    FIELDS,
    ClientType,
    EventType,
    FieldSpec,
    Format,
)
from domain.values import EARLIEST_DATE, LATEST_DATE, SOCIAL_CARE_COUNCIL_CODE
from domain.vocabulary import ClosureReason, Frequency, InvolvementEndReason, PlanKind

if TYPE_CHECKING:
    from domain.application import CaseRecord

# The return covers twelve months ending on the last day of a month (a quarter's, in practice).
PERIOD_MONTHS = 12
EXAMPLES = 10  # event references named for each failure in the report


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    def holds(self, day: date) -> bool:
        return self.start <= day <= self.end


def period_ending(end: date) -> Period:
    """The twelve months to ``end``, which must be the last day of a month in the case calendar."""
    if not EARLIEST_DATE <= end < LATEST_DATE:
        raise InvalidInput(
            f"period_end: must be between {EARLIEST_DATE.isoformat()} and {LATEST_DATE.isoformat()}",
            code="period_end_out_of_range",
            field="period_end",
        )
    if (end + timedelta(days=1)).day != 1:
        raise InvalidInput(
            f"period_end: the return's period ends on the last day of a month, not {end.isoformat()}",
            code="period_end_not_a_month_end",
            field="period_end",
        )
    first_of_next = end + timedelta(days=1)
    year, month = first_of_next.year - 1, first_of_next.month
    return Period(start=date(year, month, 1), end=end)


@dataclass
class EventRow:
    """One row's event-level facts, before the person's fields are added."""

    event_type: EventType
    reference: str
    person_id: str
    start: date
    end: date | None = None
    values: dict[str, str] = field(default_factory=dict)
    dropped: bool = False  # a service that never ran (ended before it started)

    def close(self, day: date, outcome: str) -> None:
        if self.end is not None and self.end <= day:
            return  # ended already, by its own end date
        if day < self.start:
            self.dropped = True
            return
        self.end = day
        self.values["Event_Outcome"] = outcome


def _day(event: Any) -> date:
    return took_effect_at(event).astimezone(UTC).date()


def _pounds(pence: int) -> str:
    return f"{pence // 100}.{pence % 100:02d}"


def _per_week(line: PlanLine) -> str:
    weeks = m.WEEKS_PER_PERIOD[line.frequency]
    return "" if weeks is None else f"{line.units_per_period / weeks:.2f}"


def _line_values(service_type: str, line: PlanLine) -> dict[str, str]:
    return {
        "Service_Type": service_type,
        "Service_Component": m.SERVICE_COMPONENT[line.category],
        "Delivery_Mechanism": m.DELIVERY_MECHANISM[line.held_as],
        "Unit_Cost": _pounds(line.unit_cost_pence),
        "Cost_Frequency_Unit_Type": m.COST_FREQUENCY[line.frequency],
        "Planned_units_per_week": _per_week(line),
    }


class _Fold:
    """The rows of one case, read from its events oldest first."""

    def __init__(self, case_hex: str) -> None:
        self.case_hex = case_hex
        self.rows: list[EventRow] = []
        self.adult_id = ""
        self.kinds: dict[str, str] = {}
        self.request: EventRow | None = None
        self.assessments: dict[str, EventRow] = {}
        self.plans: dict[str, SupportPlan] = {}
        self.services: dict[str, list[EventRow]] = defaultdict(list)
        self.interim: dict[str, list[EventRow]] = {}
        self.interim_of: dict[str, str] = {}
        self.reablement: EventRow | None = None
        self.reviews: dict[str, tuple[EventRow, list[str]]] = {}
        # Services ended by a person's involvement ending because the case closed: the closure that
        # follows in the same command gives their outcome.
        self.ended_by_closing: list[EventRow] = []
        # What each event the return reads does to the rows, by its class.
        self.handlers: dict[type[Any], Callable[[Any, date], None]] = {
            ReferralSteps.ReferralReceived: self.referral_received,
            ReferralSteps.ReferralScreened: self.referral_screened,
            CarerSteps.CarerIdentified: self.carer_identified,
            AssessmentSteps.NeedsAssessmentStarted: self.needs_assessment_started,
            AssessmentSteps.NeedsAssessmentCompleted: self.needs_assessment_completed,
            AssessmentSteps.NeedsAssessmentRefused: self.needs_assessment_refused,
            AssessmentSteps.CarerAssessmentStarted: self.carer_assessment_started,
            AssessmentSteps.CarerAssessmentCompleted: self.carer_assessment_completed,
            PlanningSteps.SupportPlanDrafted: self.support_plan_drafted,
            PlanningSteps.SignOffDecisionRecorded: self.sign_off_decision_recorded,
            InterimSteps.InterimSupportArranged: self.interim_support_arranged,
            InterimSteps.InterimSupportEnded: self.interim_support_ended,
            ReablementSteps.ReablementStarted: self.reablement_started,
            ReablementSteps.ReablementEnded: self.reablement_ended,
            EndingSteps.InvolvementEnded: self.involvement_ended,
            ReferralSteps.CaseClosed: self.case_closed,
            ReviewSteps.ReviewScheduled: self.review_scheduled,
            ReviewSteps.ReviewRequested: self.review_requested,
            ReviewSteps.ReviewCompleted: self.review_completed,
            PlanningSteps.SupportPlanRevised: self.support_plan_drafted,
        }

    def ref(self, version: int, part: int | None = None) -> str:
        return f"{self.case_hex}-{version}" + ("" if part is None else f"-{part}")

    def read(self, event: Any) -> None:
        # The event's own class is the Case's copy of its step's class: the nearest registered
        # class in its MRO names the handler (as the views find theirs).
        handler = next((self.handlers[k] for k in type(event).__mro__ if k in self.handlers), None)
        if handler is not None:
            handler(event, _day(event))

    # Requests ------------------------------------------------------------------------------------

    def referral_received(self, e: Any, day: date) -> None:
        self.adult_id = e.adult_id
        self.kinds[e.adult_id] = "adult"
        self.request = EventRow(
            EventType.REQUEST,
            self.ref(e.originator_version),
            e.adult_id,
            day,
            values={"Request_Route_of_Access": m.ROUTE_OF_ACCESS[e.route]},
        )

    def referral_screened(self, e: Any, day: date) -> None:
        if self.request is not None:
            self.request.end = day
            self.request.values["Event_Outcome"] = m.REQUEST_OUTCOME[e.outcome]
            self.rows.append(self.request)
            self.request = None

    def carer_identified(self, e: Any, day: date) -> None:
        self.kinds[e.carer_id] = "carer"

    # Assessments ---------------------------------------------------------------------------------

    def needs_assessment_started(self, e: Any, day: date) -> None:
        method = m.METHOD_OF_ASSESSMENT[e.method]
        values = {"Assessment_Type": m.ADULT_ASSESSMENT_TYPE, **({"Method_of_Assessment": method} if method else {})}
        self.assessments[self.adult_id] = EventRow(
            EventType.ASSESSMENT, self.ref(e.originator_version), self.adult_id, day, values=values
        )

    def needs_assessment_completed(self, e: Any, day: date) -> None:
        eligible = determine_adult_eligibility(e.findings).eligible
        self._complete_assessment(self.adult_id, e, day, eligible)

    def needs_assessment_refused(self, e: Any, day: date) -> None:
        if e.duty_ends:
            self.assessments.pop(self.adult_id, None)

    def carer_assessment_started(self, e: Any, day: date) -> None:
        self.assessments[e.carer_id] = EventRow(
            EventType.ASSESSMENT,
            self.ref(e.originator_version),
            e.carer_id,
            day,
            values={"Assessment_Type": m.CARER_ASSESSMENT_TYPE[e.method]},
        )

    def carer_assessment_completed(self, e: Any, day: date) -> None:
        eligible = determine_carer_eligibility(e.findings).eligible
        row = self._complete_assessment(e.carer_id, e, day, eligible)
        row.values["Total_Hrs_Caring_per_week"] = m.hours_caring_band(e.hours_caring_per_week)

    def _complete_assessment(self, person_id: str, e: Any, day: date, eligible: bool) -> EventRow:
        row = self.assessments.pop(person_id, None) or EventRow(
            EventType.ASSESSMENT, self.ref(e.originator_version), person_id, day
        )
        row.end = day
        row.values["Eligible_Needs_Identified"] = "Yes" if eligible else "No"
        row.values["Event_Outcome"] = m.ELIGIBLE_OUTCOME if eligible else m.NOT_ELIGIBLE_OUTCOME
        self.rows.append(row)
        return row

    # Services ------------------------------------------------------------------------------------

    def support_plan_drafted(self, e: Any, day: date) -> None:
        self.plans[e.person_id] = e.plan

    def sign_off_decision_recorded(self, e: Any, day: date) -> None:
        plan = self.plans.get(e.person_id)
        if e.outcome not in APPROVING_OUTCOMES or plan is None:
            return
        for running in self.services.pop(e.person_id, []):
            running.close(day - timedelta(days=1), m.SERVICE_REPLACED)
        carer = self.kinds.get(e.person_id) == "carer"
        for number, line in enumerate(plan.lines, start=1):
            if carer:
                service_type = m.CARER_SERVICE_TYPE.get(line.category, m.CARER_DIRECT)
            else:
                service_type = m.ADULT_SHORT_TERM if plan.kind == PlanKind.TEMPORARY_SHORT_TERM else m.ADULT_LONG_TERM
            row = EventRow(
                EventType.SERVICE,
                self.ref(e.originator_version, number),
                e.person_id,
                line.starts_on or day,
                values=_line_values(service_type, line),
            )
            if line.ends_on is not None:
                row.end = line.ends_on
                row.values["Event_Outcome"] = m.SERVICE_LINE_ENDED
            self.services[e.person_id].append(row)
            self.rows.append(row)

    def interim_support_arranged(self, e: Any, day: date) -> None:
        service_type = m.CARER_DIRECT if self.kinds.get(e.person_id) == "carer" else m.ADULT_SHORT_TERM
        rows = [
            EventRow(
                EventType.SERVICE,
                self.ref(e.originator_version, number),
                e.person_id,
                e.starts_on,
                values=_line_values(service_type, line),
            )
            for number, line in enumerate(e.lines, start=1)
        ]
        self.interim[e.interim_id], self.interim_of[e.interim_id] = rows, e.person_id
        self.rows.extend(rows)

    def interim_support_ended(self, e: Any, day: date) -> None:
        for row in self.interim.pop(e.interim_id, []):
            row.close(e.ended_on, m.INTERIM_ENDED)

    def reablement_started(self, e: Any, day: date) -> None:
        self.reablement = EventRow(
            EventType.SERVICE,
            self.ref(e.originator_version),
            e.person_id,
            e.starts_on,
            values={
                "Service_Type": m.REABLEMENT_TYPE,
                "Service_Component": m.REABLEMENT_COMPONENT,
                "Delivery_Mechanism": m.COMMISSIONED,
                "Unit_Cost": _pounds(e.weekly_cost_pence),
                "Cost_Frequency_Unit_Type": m.COST_FREQUENCY[Frequency.WEEKLY],
                "Planned_units_per_week": "1.00",
            },
        )
        self.rows.append(self.reablement)

    def reablement_ended(self, e: Any, day: date) -> None:
        if self.reablement is not None:
            self.reablement.close(e.ended_on, m.REABLEMENT_ENDED[e.outcome])
            self.reablement = None

    def involvement_ended(self, e: Any, day: date) -> None:
        outcome = m.SERVICE_ENDED_BY_INVOLVEMENT[e.reason]
        ending = self.services.pop(e.person_id, [])
        for interim_id, person_id in list(self.interim_of.items()):
            if person_id == e.person_id:
                ending += self.interim.pop(interim_id, [])
                del self.interim_of[interim_id]
        if e.person_id == self.adult_id and self.reablement is not None:
            ending.append(self.reablement)
            self.reablement = None
        for row in ending:
            row.close(e.ended_on, outcome)
        if e.reason == InvolvementEndReason.CASE_CLOSED:
            self.ended_by_closing += [row for row in ending if row.end == e.ended_on]
        for review_id in [*e.reviews_cancelled, *e.reviews_left]:
            if review_id in self.reviews:
                row, people = self.reviews[review_id]
                self.reviews[review_id] = (row, [p for p in people if p != e.person_id])
        for review_id in e.reviews_cancelled:
            self.reviews.pop(review_id, None)
        self.assessments.pop(e.person_id, None)

    def case_closed(self, e: Any, day: date) -> None:
        outcome = m.SERVICE_ENDED_BY_CLOSURE[e.reason]
        running = [row for rows in self.services.values() for row in rows]
        running += [row for rows in self.interim.values() for row in rows]
        running += [self.reablement] if self.reablement is not None else []
        for row in running:
            row.close(day, outcome)
        for row in self.ended_by_closing:
            row.values["Event_Outcome"] = outcome
        self.ended_by_closing = []
        self.services.clear()
        self.interim.clear()
        self.reablement = None
        self.request = None  # closed unscreened: withdrawn
        self.assessments.clear()  # overtaken by the closure: cancelled
        self.reviews.clear()

    # Reviews -------------------------------------------------------------------------------------

    def review_scheduled(self, e: Any, day: date) -> None:
        row = EventRow(EventType.REVIEW, self.ref(e.originator_version), "", e.due_on)
        row.values["Review_Reason"] = m.REVIEW_REASON_PLANNED
        self.reviews[e.review_id] = (row, list(e.person_ids))

    def review_requested(self, e: Any, day: date) -> None:
        row = EventRow(EventType.REVIEW, self.ref(e.originator_version), "", day)
        row.values["Review_Reason"] = m.UNPLANNED_REVIEW_REASON[e.reason]
        self.reviews[e.review_id] = (row, list(e.person_ids))

    def review_completed(self, e: Any, day: date) -> None:
        found = self.reviews.pop(e.review_id, None)
        if found is None:
            return
        template, people = found
        for number, person_id in enumerate(people, start=1):
            self.rows.append(
                EventRow(
                    EventType.REVIEW,
                    f"{template.reference}-{number}",
                    person_id,
                    min(template.start, day),
                    day,
                    values={**template.values, "Event_Outcome": m.REVIEW_OUTCOME[e.outcome]},
                )
            )


def case_rows(case_hex: str, events: Iterable[Any]) -> list[EventRow]:
    """Every row the case's events make, whatever the period (the builder keeps those in it)."""
    fold = _Fold(case_hex)
    for event in events:
        fold.read(event)
    return [row for row in fold.rows if not row.dropped]


def in_period(row: EventRow, period: Period) -> bool:
    if row.start > period.end:
        return False
    if row.event_type == EventType.SERVICE:
        return row.end is None or row.end >= period.start
    return row.end is not None and period.holds(row.end)


def as_at_period_end(row: EventRow, period: Period) -> EventRow:
    """A service still running at the period's end is reported open, as it then stood."""
    if row.event_type == EventType.SERVICE and row.end is not None and row.end > period.end:
        values = {k: v for k, v in row.values.items() if k != "Event_Outcome"}
        return EventRow(row.event_type, row.reference, row.person_id, row.start, None, values)
    return row


# The person's fields ------------------------------------------------------------------------------


def _date_of_death(state: CaseState, person: Person, period: Period) -> date | None:
    died = {InvolvementEndReason.ADULT_DIED} if person.kind == "adult" else {InvolvementEndReason.CARER_DIED}
    day = person.involvement_ended_on if person.involvement_end_reason in died else None
    if day is None and person.kind == "adult" and state.closure_reason == ClosureReason.DECEASED:
        day = state.closed_at.astimezone(UTC).date() if state.closed_at else None
    return day if day is not None and day <= period.end else None


def person_values(state: CaseState, person: Person, period: Period, cared_for: Sequence[str]) -> dict[str, str]:
    carer = person.kind == "carer"
    values: dict[str, str] = {
        "NHS_Number": person.nhs_number or "",
        "LA_Person_Unique_Identifier": person.council_person_id or "",
        "Date_of_Birth": person.date_of_birth.isoformat() if person.date_of_birth else "",
        "Client_Type": (ClientType.UNPAID_CARER if carer else ClientType.SERVICE_USER).value,
    }
    death = _date_of_death(state, person, period)
    if death is not None:
        values["Date_of_Death"] = death.isoformat()
    details = person.details
    if details is not None:
        coded = {
            "Gender": m.GENDER.get(details.gender) if details.gender else None,
            "Ethnicity": m.ETHNICITY.get(details.ethnicity) if details.ethnicity else None,
            "Accommodation_Status": m.ACCOMMODATION_STATUS.get(details.accommodation_status)
            if details.accommodation_status
            else None,
            "Employment_Status": m.EMPLOYMENT_STATUS.get(details.employment_status)
            if details.employment_status
            else None,
            "Autism_Spectrum_Disorder_ASD": m.KNOWN.get(details.autism) if details.autism else None,
            "Visual_Impairment": m.KNOWN.get(details.visual_impairment) if details.visual_impairment else None,
            "Hearing_Impairment": m.KNOWN.get(details.hearing_impairment) if details.hearing_impairment else None,
            "Dementia": m.KNOWN.get(details.dementia) if details.dementia else None,
            "Postcode": details.postcode,
            "GP_Practice_Code": details.gp_practice_code,
        }
        values.update({k: v for k, v in coded.items() if v})
    if carer:
        values["Total_Hrs_Caring_per_week"] = m.hours_caring_band(person.hours_caring_per_week)
        values["No_of_adults_being_cared_for"] = str(len(cared_for))
        for number, linked in enumerate(cared_for[:3], start=1):
            values[f"Adult_{number}_Linked_Person_ID"] = linked
    else:
        if person.primary_support_reason is not None:
            values["Primary_Support_Reason"] = m.PRIMARY_SUPPORT_REASON[person.primary_support_reason]
        has_carer = any(not c.young_carer for c in state.carers())
        values["Has_Unpaid_Carer"] = "Yes" if has_carer else "No"
    return values


def _funding(person: Person) -> str:
    statement = person.statement
    if person.kind == "carer" or statement is None:
        return m.client_funding_status(None, None)
    return m.client_funding_status(statement.adult_contribution_pence, statement.cost_pence)


# Building the return ----------------------------------------------------------------------------


class FieldFailure(BaseModel):
    model_config = ConfigDict(frozen=True)

    field: str
    rule: str  # blank_mandatory, not_in_code_list, bad_format, end_before_start
    rows: int
    examples: list[str]  # event references


class ValidationReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    la_code: str
    period_start: date
    period_end: date
    rows: int
    rows_by_event_type: dict[str, int]
    people: int
    cases: int
    failures: list[FieldFailure]
    people_without_nhs_number: int
    without_nhs_number: list[str]  # their LA_Person_Unique_Identifier
    valid: bool  # no mandatory field blank and no value outside its list or format


@dataclass(frozen=True)
class AscCldReturn:
    period: Period
    la_code: str
    rows: list[dict[str, str]]
    case_ids: list[str]  # the cases the return reads rows from, for the access log
    report: ValidationReport


def build_return(record: CaseRecord, period: Period, la_code: str) -> AscCldReturn:
    """Every case in the record read once, oldest event first, into the return and its report."""
    from domain.application import project_case

    found: list[tuple[CaseState, list[EventRow]]] = []
    cared_for: dict[str, set[str]] = defaultdict(set)
    for case_id in sorted(record.case_ids(), key=lambda u: u.hex):
        events = record.stored_events(case_id)
        if not events or not isinstance(events[0], ReferralSteps.ReferralReceived):
            continue  # not a case (a council's policy stream)
        case = project_case(None, events)
        assert case is not None
        state = case.state
        adult = state.adult.council_person_id or ""
        for carer in state.carers():
            if carer.council_person_id and adult:
                cared_for[carer.council_person_id].add(adult)
        rows = [as_at_period_end(r, period) for r in case_rows(case_id.hex, events) if in_period(r, period)]
        if rows:
            found.append((state, rows))
    return assemble(found, cared_for, period, la_code)


def assemble(
    found: Sequence[tuple[CaseState, Sequence[EventRow]]],
    cared_for: dict[str, set[str]],
    period: Period,
    la_code: str,
) -> AscCldReturn:
    rows: list[dict[str, str]] = []
    case_ids: list[str] = []
    for state, event_rows in found:
        people: dict[str, dict[str, str]] = {}
        kept = 0
        for event_row in event_rows:
            person = state.people.get(event_row.person_id)
            if person is None or person.young_carer:
                continue  # the return counts adults and adult carers
            if event_row.person_id not in people:
                linked = sorted(cared_for.get(person.council_person_id or "", ()))
                people[event_row.person_id] = person_values(state, person, period, linked)
            row = {
                "LA_Code": la_code,
                "Reporting_Period_Start_Date": period.start.isoformat(),
                "Reporting_Period_End_Date": period.end.isoformat(),
                **people[event_row.person_id],
                "Event_Type": event_row.event_type.value,
                "Event_Reference": event_row.reference,
                "Event_Start_Date": event_row.start.isoformat(),
                "Event_End_Date": event_row.end.isoformat() if event_row.end else "",
                **event_row.values,
            }
            if event_row.event_type == EventType.SERVICE and person.kind == "adult":
                row["Client_Funding_Status"] = _funding(person)
            rows.append({name: row.get(name, "") for name in FIELD_NAMES})
            kept += 1
        if kept:
            case_ids.append(state.case_id)
    rows.sort(key=lambda r: (r["LA_Person_Unique_Identifier"], r["Event_Start_Date"], r["Event_Reference"]))
    return AscCldReturn(period, la_code, rows, case_ids, validate(rows, period, la_code, len(case_ids)))


# Validation ----------------------------------------------------------------------------------------

_PATTERNS: dict[Format, re.Pattern[str]] = {
    Format.DATE: re.compile(r"^\d{4}-\d{2}-\d{2}$"),
    Format.INTEGER: re.compile(r"^\d+$"),
    Format.MONEY: re.compile(r"^\d+\.\d{2}$"),
    Format.DECIMAL: re.compile(r"^\d+(\.\d+)?$"),
    Format.NHS_NUMBER: re.compile(r"^\d{10}$"),
    Format.POSTCODE: re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}$"),
    Format.LA_CODE: re.compile(rf"^{SOCIAL_CARE_COUNCIL_CODE}$"),
    Format.GP_PRACTICE: re.compile(r"^[A-Z][0-9]{5}$"),
}


def _nhs_number_checks(value: str) -> bool:
    total = sum(int(digit) * weight for digit, weight in zip(value[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    return (0 if check == 11 else check) == int(value[9]) and check != 10


def value_problem(spec: FieldSpec, value: str) -> str | None:
    """Why a filled value does not meet its field's list or format, or None."""
    if spec.format == Format.CODE_LIST:
        return None if value in spec.values else "not_in_code_list"
    if spec.max_length is not None and len(value) > spec.max_length:
        return "bad_format"
    pattern = _PATTERNS.get(spec.format)
    if pattern is not None and not pattern.match(value):
        return "bad_format"
    if spec.format == Format.DATE:
        try:
            date.fromisoformat(value)
        except ValueError:
            return "bad_format"
    if spec.format == Format.NHS_NUMBER and not _nhs_number_checks(value):
        return "bad_format"
    return None


def row_problems(row: dict[str, str]) -> list[tuple[str, str]]:
    """Each (field, rule) the row fails."""
    event_type, client = EventType(row["Event_Type"]), ClientType(row["Client_Type"])
    ended = bool(row["Event_End_Date"])
    problems: list[tuple[str, str]] = []
    for spec in FIELDS:
        value = row.get(spec.name, "")
        if not value:
            if spec.mandatory_for(event_type, client, ended):
                problems.append((spec.name, "blank_mandatory"))
            continue
        problem = value_problem(spec, value)
        if problem is not None:
            problems.append((spec.name, problem))
    if ended and row["Event_End_Date"] < row["Event_Start_Date"]:
        problems.append(("Event_End_Date", "end_before_start"))
    return problems


def validate(rows: Sequence[dict[str, str]], period: Period, la_code: str, cases: int) -> ValidationReport:
    failing: dict[tuple[str, str], list[str]] = defaultdict(list)
    for row in rows:
        for problem in row_problems(row):
            failing[problem].append(row["Event_Reference"])
    people = {row["LA_Person_Unique_Identifier"] for row in rows}
    without = sorted({row["LA_Person_Unique_Identifier"] for row in rows if not row["NHS_Number"]})
    order = {name: n for n, name in enumerate(FIELD_NAMES)}
    failures = [
        FieldFailure(field=name, rule=rule, rows=len(refs), examples=refs[:EXAMPLES])
        for (name, rule), refs in sorted(failing.items(), key=lambda item: (order[item[0][0]], item[0][1]))
    ]
    by_type = Counter(row["Event_Type"] for row in rows)
    return ValidationReport(
        la_code=la_code,
        period_start=period.start,
        period_end=period.end,
        rows=len(rows),
        rows_by_event_type={t.value: by_type.get(t.value, 0) for t in EventType},
        people=len(people),
        cases=cases,
        failures=failures,
        people_without_nhs_number=len(without),
        without_nhs_number=without,
        valid=not failures,
    )


def csv_text(rows: Iterable[dict[str, str]]) -> Iterable[str]:
    """The file: the field names, then a line per row (RFC 4180 quoting)."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELD_NAMES, lineterminator="\r\n")

    def flushed() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writeheader()
    yield flushed()
    for row in rows:
        writer.writerow(row)
        yield flushed()
