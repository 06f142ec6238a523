"""One person's record, exported for them (their right of access) or for the council they move to
(Care Act 2014 s.37(7)): the facts about that person the case's events hold, and nobody else's.

Each fact is the event that recorded it (its type, version, when it was recorded and took effect,
and its fields as recorded, personal values opened), grouped by what it is about: the referral,
the assessment, eligibility, the budget, the plan, payments, reviews, the ending and the move.
The document carries the version and chain hash of the last event it includes, so whoever holds
it can check it against the council's record (``/audit/cases/{id}/verify``, a signed checkpoint).

Whose an event is: the person it names (``person_id``, ``carer_id``, the adult of the referral),
the person of the agreement or review it names, else, for the few events of the adult's own steps
that name nobody (the needs assessment, the financial assessment), the adult. Events about other
people on the case (a carer's assessment in the adult's export), safeguarding, restriction,
allocation and the record's own housekeeping are never in it. Within an event that is the
person's, another person's id is left out (a shared review lists only this person; the carers to
review after a death are dropped).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field

from domain.canonical import stored_state
from domain.case.state import CaseState

# What each section of the export is made of, by event type.
SECTIONS: dict[str, tuple[str, ...]] = {
    "referral": ("ReferralReceived", "ReferralScreened", "CarerIdentified"),
    "assessment": (
        "NeedsAssessmentStarted",
        "NeedsAssessmentCompleted",
        "NeedsAssessmentRefused",
        "NeedsAssessmentRequested",
        "CarerAssessmentOffered",
        "CarerAssessmentAccepted",
        "CarerAssessmentDeclined",
        "CarerAssessmentRequested",
        "CarerAssessmentStarted",
        "CarerAssessmentCompleted",
        "CombinedAssessmentConsentRecorded",
        "CapacityAssessed",
        "TransitionAssessmentStarted",
        "TransitionAssessmentCompleted",
        "AdultCarerRulesApplied",
        "AdvocacyNeedJudged",
        "AdvocateInvolved",
    ),
    "eligibility": ("EligibilityDetermined", "InformationAndAdviceGiven", "NeedsToBeMetAtDiscretion"),
    "budget": (
        "IndicativeBudgetCalculated",
        "BudgetCapOverridden",
        "FinancialAssessmentCompleted",
        "BudgetChallenged",
        "ChallengeResolved",
    ),
    "plan": (
        "SupportPlanDrafted",
        "SupportPlanRevised",
        "SupportPlanSubmitted",
        "SignOffDecisionRecorded",
        "InterimSupportArranged",
        "InterimSupportEnded",
        "DirectPaymentRequested",
    ),
    "payments": (
        "DirectPaymentAgreementMade",
        "ArrearsPaymentIssued",
        "PaymentScheduled",
        "PaymentIssued",
        "PaymentFailed",
        "DirectPaymentsSuspended",
        "DirectPaymentsResumed",
        "DirectPaymentAgreementVaried",
        "DirectPaymentAgreementEnded",
        "MonitoringReturnReceived",
        "UnspentFundsRecovered",
        "MisspentFundsRecovered",
        "PaymentsAfterStopRecovered",
        "FinalSettlementWorkedOut",
        "FinalPaymentIssued",
        "OverpaymentRecovered",
        "DirectPaymentAccountClosed",
    ),
    "reviews": ("ReviewScheduled", "ReviewRequested", "ReviewCompleted"),
    "ending": ("InvolvementEnded",),
    "move": (
        "MoveToAnotherCouncilNotified",
        "InformationSharedWithReceivingCouncil",
        "ReceivingCouncilAssessed",
        "NeedsMetUntilReceivingAssessment",
    ),
    "corrections": ("RecordedFactCorrected",),
}
SECTION_OF = {event_type: section for section, types in SECTIONS.items() for event_type in types}
# The adult's own steps, whose events name nobody.
ADULTS_OWN = frozenset(
    {
        "ReferralScreened",
        "NeedsAssessmentStarted",
        "NeedsAssessmentCompleted",
        "NeedsAssessmentRefused",
        "NeedsAssessmentRequested",
        "FinancialAssessmentCompleted",
    }
)
# Fields naming other people, left out of the fact, and the envelope, given beside it.
LEFT_OUT = frozenset(
    {
        "carers_to_review",
        "reviews_left",
        "reviews_cancelled",
        "chain_hash",
        "command_digest",
        "command_id",
        "command_name",
        "actor",
        "effective_at",
        "timestamp",
    }
)


class RecordedFact(BaseModel):
    event: str
    version: int
    recorded_at: str
    effective_at: str | None
    actor: dict[str, Any]
    fields: dict[str, Any]


class PersonRecord(BaseModel):
    """One person's record as exported: their facts by section, each with the version it came from."""

    case_id: str
    person_id: str
    kind: str
    council_code: str
    version: int = Field(description="the version of the last event included (0 if none)")
    chain_hash: str | None = Field(description="the chain hash of that event, to check against the record")
    case_version: int = Field(description="the case's version when exported")
    sections: dict[str, list[RecordedFact]]


def person_record(state: CaseState, case_version: int, events: Sequence[Any], person_id: str) -> PersonRecord:
    """The facts about ``person_id`` among ``events`` (the case's, in order, personal values opened)."""
    person = state.people[person_id]
    agreements: dict[str, str] = {}  # agreement id -> whose
    reviews: dict[str, list[str]] = {}  # review id -> who it reviews
    sections: dict[str, list[RecordedFact]] = {section: [] for section in SECTIONS}
    last = None
    for event in events:
        event_type = type(event).__name__
        fields = stored_state(event)
        if event_type == "DirectPaymentAgreementMade":
            agreements[fields["agreement_id"]] = fields["person_id"]
        if event_type in ("ReviewScheduled", "ReviewRequested"):
            reviews[fields["review_id"]] = list(fields["person_ids"])
        section = SECTION_OF.get(event_type)
        if section is None or person_id not in _whose(event_type, fields, state.adult_id, agreements, reviews):
            continue
        fact = {k: v for k, v in fields.items() if k not in LEFT_OUT}
        if "person_ids" in fact:  # a review shared with others lists only this person
            fact["person_ids"] = [p for p in fact["person_ids"] if p == person_id]
        if "records" in fact:  # what was shared with the receiving council: this person's records only
            fact["records"] = [r for r in fact["records"] if r["person_id"] == person_id]
        sections[section].append(
            RecordedFact(
                event=event_type,
                version=event.originator_version,
                recorded_at=event.timestamp.isoformat(),
                effective_at=event.effective_at.isoformat() if event.effective_at else None,
                actor=event.actor.model_dump(mode="json"),
                fields=fact,
            )
        )
        last = event
    return PersonRecord(
        case_id=state.case_id,
        person_id=person_id,
        kind=person.kind,
        council_code=state.council_code,
        version=last.originator_version if last is not None else 0,
        chain_hash=last.chain_hash if last is not None else None,
        case_version=case_version,
        sections={section: facts for section, facts in sections.items() if facts},
    )


def _whose(
    event_type: str,
    fields: dict[str, Any],
    adult_id: str,
    agreements: dict[str, str],
    reviews: dict[str, list[str]],
) -> set[str]:
    for name in ("carer_id", "person_id", "adult_id"):
        if isinstance(fields.get(name), str):
            return {fields[name]}
    if "person_ids" in fields:
        return set(fields["person_ids"])
    if "agreement_id" in fields:
        return {agreements.get(fields["agreement_id"], "")}
    if "review_id" in fields:
        return set(reviews.get(fields["review_id"], []))
    return {adult_id} if event_type in ADULTS_OWN else set()
