"""Referral, screening and closure: how a case begins and ends (domain brief steps 1 and 13)."""

from __future__ import annotations

from datetime import date

from domain.case.base import CaseCreated, CaseEvent, CommandContext, Recording
from domain.case.rules import (
    case_must_be_open,
    referral_must_be_unscreened,
    written_advice_must_be_given_before_closing,
)
from domain.case.state import CaseState, Person, RecordedFactSource
from domain.vocabulary import ClosureReason, PrimarySupportReason, ReferralRoute, ScreeningOutcome


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

    def close_case(self, ctx: CommandContext, *, reason: ClosureReason, notes: str) -> None:
        case_must_be_open(self.state)
        written_advice_must_be_given_before_closing(self.state, reason)
        self._record(ctx, self.CaseClosed, reason=reason, notes=notes)
