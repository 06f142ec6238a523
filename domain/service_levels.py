"""Service levels: how long each stage may take, and when reviews fall due (domain brief,
"Service levels" and step 12). Pure date arithmetic, safe inside workflow code."""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo

from pydantic import BaseModel, ConfigDict, Field

from domain.case.state import CaseState
from domain.vocabulary import Stage


class Deadline(BaseModel):
    """Something on a case with a service level: the stage it is in, or an open review."""

    model_config = ConfigDict(frozen=True)

    what: str  # a stage name, or review:<review id>
    since: datetime | None  # when the stage was entered; None for a review
    due_at: datetime
    flagged: bool  # the record says it went overdue (StageOverdue)


class ServiceLevels(BaseModel):
    """Defaults from the domain brief; each council sets its own. Screening counts working days."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    screening_working_days: int = Field(default=2, ge=1)
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

    def deadlines(self, state: CaseState) -> list[Deadline]:
        """Every deadline open on the case: its stage's, and each scheduled review's."""
        if state.closed:
            return []
        found: list[Deadline] = []
        stage_due = self.due_at(state.stage, state.stage_entered_at)
        if stage_due is not None:
            found.append(
                Deadline(
                    what=state.stage.value,
                    since=state.stage_entered_at,
                    due_at=stage_due,
                    flagged=state.stage.value in state.overdue,
                )
            )
        for review in state.reviews.values():
            if review.status == "scheduled":
                key = f"review:{review.review_id}"
                found.append(
                    Deadline(
                        what=key,
                        since=None,
                        due_at=end_of_day(review.due_on, state.stage_entered_at.tzinfo),
                        flagged=key in state.overdue,
                    )
                )
        return found

    def due_at(self, stage: Stage, entered_at: datetime) -> datetime | None:
        if stage == Stage.SCREENING:
            return add_working_days(entered_at, self.screening_working_days)
        limit = self.stage_limits.get(stage)
        return None if limit is None else entered_at + limit


def add_working_days(start: datetime, days: int) -> datetime:
    """``start`` plus ``days`` working days (Monday to Friday; bank holidays are the council's to add)."""
    current = start
    remaining = days
    while remaining:
        current += timedelta(days=1)
        if current.weekday() < 5:
            remaining -= 1
    return current


def end_of_day(day: date, tz: tzinfo | None) -> datetime:
    """A review due on a day is overdue only once that day is over."""
    return datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=tz)
