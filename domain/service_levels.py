"""Service levels: how long each stage may take, and when reviews and direct payment monitoring
returns fall due (domain brief, "Service levels", steps 11 and 12). Pure date arithmetic, safe
inside workflow code."""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.case.state import Agreement, CaseState
from domain.planning import PERIODS_PER_YEAR
from domain.vocabulary import Stage


class Deadline(BaseModel):
    """Something on a case with a service level: the stage it is in, or an open review."""

    model_config = ConfigDict(frozen=True)

    # a stage name, review:<review id>, monitoring:<agreement id>, interim:<id>, reablement:<person id>
    # or move:<person id>
    what: str
    since: datetime | None  # when the stage was entered; None for a review or a monitoring return
    due_at: datetime
    flagged: bool  # the record says it went overdue (StageOverdue)


class ServiceLevels(BaseModel):
    """Defaults from the domain brief; each council sets its own (its council.toml, decision 0035).
    Screening counts working days: Monday to Friday, less the days the council is closed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    screening_working_days: int = Field(default=2, ge=1)
    # Weekdays that are not working days: the England and Wales bank holidays and the council's own
    # closure days, worked out from published data outside the domain (policy.council_configuration).
    closed_days: frozenset[date] = frozenset()
    # What a stage's clock runs from: when the step that began it took effect, or (for a workflow
    # replaying history recorded before decision 0035) when it was recorded.
    stage_clock: Literal["took_effect", "recorded"] = "took_effect"
    # Eligibility, resource allocation and the financial assessment have no national figure: these
    # are local defaults.
    stage_limits: dict[Stage, timedelta] = Field(
        default_factory=lambda: {
            Stage.ASSESSMENT: timedelta(days=28),
            Stage.ELIGIBILITY: timedelta(days=14),
            Stage.RESOURCE_ALLOCATION: timedelta(days=14),
            Stage.FINANCIAL_ASSESSMENT: timedelta(days=28),
            Stage.SUPPORT_PLANNING: timedelta(days=28),
            Stage.SIGN_OFF: timedelta(days=14),
            Stage.PAYMENT_SETUP: timedelta(days=10),
            Stage.REVIEW: timedelta(days=28),
        }
    )
    first_review_weeks: int = Field(default=8, ge=6, le=8)  # light touch, 6-8 weeks after sign-off
    review_interval_days: int = Field(default=365, le=365)  # then at least every 12 months
    direct_payment_first_review_days: int = Field(default=182, le=183)  # a direct payment within 6 months
    # Direct payment monitoring, proportionate to the sum (domain brief, step 11): a return for each
    # quarter, or light touch (once a year) for an agreement paying less than the amount a year; each
    # return is due this many days after the end of the period it covers.
    monitoring_return_weeks: int = Field(default=13, ge=1, le=52)
    light_touch_return_weeks: int = Field(default=52, ge=1, le=52)
    light_touch_below_pence_a_year: int = Field(default=500_000, ge=0)
    monitoring_return_grace_days: int = Field(default=28, ge=0, le=92)
    # A message in the payment outbox finance has not acknowledged this long after it was recorded
    # is shown to operations (GET /ops/finance-unacknowledged; decision 0043).
    finance_acknowledgement_hours: int = Field(default=72, ge=1, le=2160)

    def deadlines(self, state: CaseState) -> list[Deadline]:
        """Every deadline open on the case: its stage's, each scheduled review's, interim support's review by
        date, reablement's planned end and each running agreement's next monitoring return."""
        if state.closed:
            return []
        found: list[Deadline] = []
        stage_due = self.stage_due_at(state)
        if stage_due is not None:
            found.append(
                Deadline(
                    what=state.stage.value,
                    since=self.stage_clock_started_at(state),
                    due_at=stage_due,
                    flagged=state.stage.value in state.overdue,
                )
            )
        tz = state.stage_entered_at.tzinfo

        def due_on(key: str, day: date) -> Deadline:
            # Due on a day, not at a time: overdue once that day is over.
            return Deadline(what=key, since=None, due_at=end_of_day(day, tz), flagged=key in state.overdue)

        for review in state.reviews.values():
            if review.status == "scheduled":
                found.append(due_on(f"review:{review.review_id}", review.due_on))
        for person in state.people.values():
            for interim in person.interim_support.values():
                if interim.active:
                    found.append(due_on(f"interim:{interim.interim_id}", interim.review_by))
            reablement = person.reablement
            if reablement is not None and reablement.active and person.involvement_ended_on is None:
                found.append(due_on(f"reablement:{person.person_id}", reablement.planned_end_on))
            move = person.move
            if (
                move is not None
                and person.involvement_ended_on is None
                and move.receiving_assessed_on is None
                and not move.needs_met_until_receiving_assessment
            ):
                # s.38: by the move date the receiving council has assessed, or a team manager has
                # recorded that this council goes on meeting the needs until it has.
                found.append(due_on(f"move:{person.person_id}", move.move_on))
        for agreement in state.agreements.values():
            if agreement.status != "stopped":
                found.append(due_on(f"monitoring:{agreement.agreement_id}", self.monitoring_return_due_on(agreement)))
        return found

    def monitoring_period_weeks(self, agreement: Agreement) -> int:
        """How long a monitoring period is for this agreement: light touch below the amount a year."""
        yearly = agreement.amount_per_payment_pence * PERIODS_PER_YEAR[agreement.frequency]
        if yearly < self.light_touch_below_pence_a_year:
            return self.light_touch_return_weeks
        return self.monitoring_return_weeks

    def monitoring_return_due_on(self, agreement: Agreement) -> date:
        """The day the agreement's next return is due: its period runs on from the last day a return
        covered (or from the agreement's start), and the return is due the grace days after it ends."""
        covered_through = agreement.returns_through or agreement.start_date - timedelta(days=1)
        period_end = covered_through + timedelta(weeks=self.monitoring_period_weeks(agreement))
        return period_end + timedelta(days=self.monitoring_return_grace_days)

    def stage_clock_started_at(self, state: CaseState) -> datetime:
        """When the case's current stage's clock started (``stage_clock``)."""
        return state.stage_entered_at if self.stage_clock == "recorded" else state.stage_clock_started_at

    def stage_due_at(self, state: CaseState) -> datetime | None:
        """When the case's current stage is due, on its clock; None for a closed case or a stage with
        no service level."""
        return None if state.closed else self.due_at(state.stage, self.stage_clock_started_at(state))

    def due_at(self, stage: Stage, entered_at: datetime) -> datetime | None:
        if stage == Stage.SCREENING:
            return add_working_days(entered_at, self.screening_working_days, self.closed_days)
        limit = self.stage_limits.get(stage)
        return None if limit is None else entered_at + limit


def add_working_days(start: datetime, days: int, closed_days: frozenset[date] = frozenset()) -> datetime:
    """``start`` plus ``days`` working days: Monday to Friday, except the days in ``closed_days``
    (bank holidays and the council's closure days)."""
    current = start
    remaining = days
    while remaining:
        current += timedelta(days=1)
        if current.weekday() < 5 and current.date() not in closed_days:
            remaining -= 1
    return current


def end_of_day(day: date, tz: tzinfo | None) -> datetime:
    """A review due on a day is overdue only once that day is over."""
    return datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=tz)
