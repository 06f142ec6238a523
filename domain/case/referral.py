"""Referral, screening and closure: how a case begins and ends (domain brief steps 1 and 13)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from domain.case.base import CaseCreated, CaseEvent, CommandContext, Recording, took_effect_at
from domain.case.rules import (
    advice_must_be_recorded_when_screened_to_advice,
    an_ending_for_a_move_waits_for_the_receiving_council,
    case_may_close,
    case_must_be_open,
    referral_must_be_unscreened,
)
from domain.case.state import CaseState, Person, RecordedFactSource
from domain.person_index import (
    WHOLE_CASE,
    Episode,
    assigned_council_person_id,
    episode_hold,
    episode_release,
)
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


def adult_across_cases(
    case_id: str, adult_id: str, council_person_id: str | None, episodes: list[Episode]
) -> tuple[str, tuple[str, ...]]:
    """Who the referral's adult is across cases, from the episodes their keys found: their council
    person id (the one given, else the one their NHS number is known by, else one the record
    assigns) and their earlier cases, oldest first."""
    known = council_person_id or next((e.council_person_id for e in episodes), None)
    earlier = tuple(dict.fromkeys(e.case_id for e in episodes if e.case_id != case_id))
    return known or assigned_council_person_id(case_id, adult_id), earlier


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
        # The person index (decision 0031). Recorded before it existed, a referral named neither:
        # its adult's council person id is the one the record assigns (``council_person_id_of``).
        council_person_id: str = ""
        nhs_number: str | None = None  # None if not given, or once erased
        earlier_cases: tuple[str, ...] = ()  # the adult's earlier (closed) cases, oldest first
        personal_fields = ("adult_name", "adult_date_of_birth", "reason", "nhs_number")
        personal_data_subject = ("adult_id",)

        def council_person_id_of(self) -> str:
            return self.council_person_id or assigned_council_person_id(self.originator_id.hex, self.adult_id)

        def person_episode(self) -> dict[str, object]:
            """The adult's episode this referral opens, for the store's person index."""
            return episode_hold(self.originator_id.hex, self.adult_id, self.council_person_id_of(), self.nhs_number)

        def apply(self, case: Recording) -> None:
            adult = Person(
                person_id=self.adult_id,
                kind="adult",
                name=self.adult_name,
                date_of_birth=self.adult_date_of_birth,
                primary_support_reason=self.primary_support_reason,
                council_person_id=self.council_person_id_of(),
                nhs_number=self.nhs_number,
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
                earlier_cases=list(self.earlier_cases),
            )

    class ReferralScreened(CaseEvent):
        """The referral was screened: proceed to assessment, reablement first, or information and advice only."""

        outcome: ScreeningOutcome
        reasons: str

        def apply(self, case: Recording) -> None:
            case.state.screening = self.outcome

    class CaseClosed(CaseEvent):
        """The case was closed with a reason; the record is retained, never deleted."""

        reason: ClosureReason
        notes: str
        personal_fields = ("notes",)

        def person_episode(self) -> dict[str, object]:
            """Closing ends the adult's episode (if their involvement had not ended already)."""
            return episode_release(self.originator_id.hex, WHOLE_CASE)

        def apply(self, case: Recording) -> None:
            case.state.closed = True
            case.state.closure_reason = self.reason
            case.state.closed_at = self.timestamp
            for agreement in case.state.agreements.values():
                agreement.status = "stopped"

    def screen_referral(
        self,
        ctx: CommandContext,
        *,
        outcome: ScreeningOutcome,
        reasons: str,
        advice: Mapping[str, Any] | None = None,
    ) -> None:
        """Screen the referral: proceed to assessment, reablement first, or information and advice,
        which has the advice given on record (with the screening, or before it) and closes the case."""
        case_must_be_open(self.state)
        referral_must_be_unscreened(self.state)
        advice_must_be_recorded_when_screened_to_advice(self.state, outcome, advice is not None)
        if advice is not None:
            self.give_information_and_advice(ctx, person_id=self.state.adult_id, **advice)
        self._record(ctx, self.ReferralScreened, outcome=outcome, reasons=reasons)
        if outcome == ScreeningOutcome.INFORMATION_AND_ADVICE:
            # Signposting is an outcome in its own right and ends this episode.
            self._record(ctx, self.CaseClosed, reason=ClosureReason.INFORMATION_AND_ADVICE_ONLY, notes=reasons)

    def close_case(
        self, ctx: CommandContext, *, reason: ClosureReason, notes: str, ended_on: date | None = None
    ) -> None:
        """Closing the case is the last ending: everyone whose involvement has not ended yet ends
        it now (their agreements settled and ended), then the case closes."""
        day = ended_on or (ctx.effective_at or ctx.recorded_at).date()
        case_may_close(self.state, reason, ctx.actor, day)
        for person in self.state.people.values():
            if person.involvement_ended_on is None:
                an_ending_for_a_move_waits_for_the_receiving_council(
                    person, ending_on_closure(person.kind, reason), day
                )
        for person in list(self.state.people.values()):
            if person.involvement_ended_on is None:
                self._end_involvement(ctx, person, ending_on_closure(person.kind, reason), day, notes)
        self._record(ctx, self.CaseClosed, reason=reason, notes=notes)

    if TYPE_CHECKING:  # the Case's, from domain/case/endings.py and domain/case/prevention.py

        def give_information_and_advice(self, ctx: CommandContext, **advice: Any) -> None: ...

        def _end_involvement(
            self, ctx: CommandContext, person: Person, reason: InvolvementEndReason, ended_on: date, notes: str
        ) -> None: ...
