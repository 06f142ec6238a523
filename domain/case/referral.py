"""Referral, screening and closure: how a case begins and ends (domain brief steps 1 and 13)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from domain.case.base import CaseCreated, CaseEvent, CommandContext, Recording, took_effect_at
from domain.case.rules import (
    case_must_be_open,
    closing_with_a_challenge_open_or_payments_due_needs_a_team_manager,
    ending_must_not_be_before_the_case_began,
    referral_must_be_unscreened,
    written_advice_must_be_given_before_closing,
)
from domain.case.state import CaseState, Person, RecordedFactSource
from domain.vocabulary import (
    ClosureReason,
    InvolvementEndReason,
    PrimarySupportReason,
    ReferralRoute,
    ScreeningOutcome,
)

# How the case's closure reason ends the adult's involvement (and, for a death, each carer's).
ADULT_ENDING: dict[ClosureReason, InvolvementEndReason] = {
    ClosureReason.NEEDS_MET: InvolvementEndReason.NEEDS_MET,
    ClosureReason.MOVED_AWAY: InvolvementEndReason.MOVED_TO_ANOTHER_COUNCIL,
    ClosureReason.DECEASED: InvolvementEndReason.ADULT_DIED,
    ClosureReason.MOVED_TO_RESIDENTIAL_CARE: InvolvementEndReason.MOVED_TO_RESIDENTIAL_CARE,
    ClosureReason.DECLINED: InvolvementEndReason.DECLINED,
    ClosureReason.NO_LONGER_ELIGIBLE: InvolvementEndReason.NO_LONGER_ELIGIBLE,
    ClosureReason.INFORMATION_AND_ADVICE_ONLY: InvolvementEndReason.CASE_CLOSED,
}


def ending_on_closure(kind: str, reason: ClosureReason) -> InvolvementEndReason:
    if kind == "adult":
        return ADULT_ENDING[reason]
    return InvolvementEndReason.ADULT_DIED if reason == ClosureReason.DECEASED else InvolvementEndReason.CASE_CLOSED


class ReferralSteps(Recording):
    class ReferralReceived(CaseCreated):
        """A referral or contact about an adult who appears to need care and support was received; the case begins."""

        council_code: str
        team: str
        route: ReferralRoute
        reason: str
        adult_id: str
        adult_name: str
        adult_date_of_birth: date | None  # None once erased (domain.personal_data)
        primary_support_reason: PrimarySupportReason | None
        personal_fields = ("adult_name", "adult_date_of_birth", "reason")
        personal_data_subject = ("adult_id",)

        def apply(self, case: Recording) -> None:
            adult = Person(
                person_id=self.adult_id,
                kind="adult",
                name=self.adult_name,
                date_of_birth=self.adult_date_of_birth,
                primary_support_reason=self.primary_support_reason,
            )
            case.state = CaseState(
                case_id=self.originator_id.hex,
                council_code=self.council_code,
                team=self.team,
                referral_route=self.route,
                referral_reason=self.reason,
                received_at=self.timestamp,
                began_at=self.effective_at or self.timestamp,
                stage_entered_at=self.timestamp,
                stage_took_effect_at=took_effect_at(self),
                adult_id=self.adult_id,
                people={self.adult_id: adult},
                recorded_facts={
                    self.originator_version: RecordedFactSource(
                        event_type="ReferralReceived",
                        person_id=self.adult_id,
                        recorded_on=(self.effective_at or self.timestamp).date(),
                    )
                },
                last_recorded_at=self.timestamp,
            )

    class ReferralScreened(CaseEvent):
        """The referral was screened: proceed to assessment, or information and advice only."""

        outcome: ScreeningOutcome
        reasons: str

        def apply(self, case: Recording) -> None:
            case.state.screening = self.outcome

    class CaseClosed(CaseEvent):
        """The case was closed with a reason; the record is retained, never deleted."""

        reason: ClosureReason
        notes: str
        personal_fields = ("notes",)

        def apply(self, case: Recording) -> None:
            case.state.closed = True
            case.state.closure_reason = self.reason
            case.state.closed_at = self.timestamp
            for agreement in case.state.agreements.values():
                agreement.status = "stopped"

    def screen_referral(self, ctx: CommandContext, *, outcome: ScreeningOutcome, reasons: str) -> None:
        case_must_be_open(self.state)
        referral_must_be_unscreened(self.state)
        self._record(ctx, self.ReferralScreened, outcome=outcome, reasons=reasons)
        if outcome == ScreeningOutcome.INFORMATION_AND_ADVICE:
            # Signposting is an outcome in its own right and ends this episode.
            self._record(ctx, self.CaseClosed, reason=ClosureReason.INFORMATION_AND_ADVICE_ONLY, notes=reasons)

    def close_case(
        self, ctx: CommandContext, *, reason: ClosureReason, notes: str, ended_on: date | None = None
    ) -> None:
        """Closing the case is the last ending: everyone whose involvement has not ended yet ends
        it now (their agreements settled and ended), then the case closes."""
        case_must_be_open(self.state)
        written_advice_must_be_given_before_closing(self.state, reason)
        closing_with_a_challenge_open_or_payments_due_needs_a_team_manager(self.state, ctx.actor)
        day = ended_on or (ctx.effective_at or ctx.recorded_at).date()
        ending_must_not_be_before_the_case_began(self.state, day)
        for person in list(self.state.people.values()):
            if person.involvement_ended_on is None:
                self._end_involvement(ctx, person, ending_on_closure(person.kind, reason), day, notes)
        self._record(ctx, self.CaseClosed, reason=reason, notes=notes)

    if TYPE_CHECKING:  # the Case's, from domain/case/endings.py

        def _end_involvement(
            self, ctx: CommandContext, person: Person, reason: InvolvementEndReason, ended_on: date, notes: str
        ) -> None: ...
