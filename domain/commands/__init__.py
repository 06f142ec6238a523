"""Every command the case record accepts, by name (the API and the workflow use this table).

The exports are spelled out, not built at run time, so a type checker sees every name.
"""

from domain.commands.allocation import AllocateCase, EscalateCase, ResolveEscalation
from domain.commands.assessment import (
    CompleteCarerAssessment,
    CompleteNeedsAssessment,
    RecordAssessmentRefusal,
    RequestNeedsAssessment,
    StartCarerAssessment,
    StartNeedsAssessment,
)
from domain.commands.base import CaseCommand, CouncilSettings, Services
from domain.commands.carers import (
    AcceptCarerAssessment,
    DeclineCarerAssessment,
    IdentifyCarer,
    RecordCombinedAssessmentConsent,
    RequestCarerAssessment,
)
from domain.commands.decisions import (
    CalculateIndicativeBudget,
    ChallengeBudget,
    CompleteFinancialAssessment,
    DetermineEligibility,
    OverrideBudgetCap,
    ResolveChallenge,
)
from domain.commands.payments import (
    ConfirmArrearsPayment,
    EndDirectPaymentAgreement,
    IssuePayment,
    MakeDirectPaymentAgreement,
    ReceiveMonitoringReturn,
    RecordPaymentFailure,
    RecoverUnspentFunds,
    ResumeDirectPayments,
    SchedulePayment,
    SuspendDirectPayments,
    VaryDirectPaymentAgreement,
)
from domain.commands.planning import DraftSupportPlan, RecordSignOffDecision, ReviseSupportPlan, SubmitSupportPlan
from domain.commands.referral import CloseCase, ReceiveReferral, ScreenReferral
from domain.commands.reviews import CompleteReview, RecordStageOverdue, RequestReview, ScheduleReview

COMMANDS: dict[str, type[CaseCommand]] = {
    cls.__name__: cls
    for cls in (
        ReceiveReferral,
        ScreenReferral,
        IdentifyCarer,
        AcceptCarerAssessment,
        DeclineCarerAssessment,
        RequestCarerAssessment,
        RecordCombinedAssessmentConsent,
        StartNeedsAssessment,
        CompleteNeedsAssessment,
        RecordAssessmentRefusal,
        RequestNeedsAssessment,
        StartCarerAssessment,
        CompleteCarerAssessment,
        DetermineEligibility,
        CalculateIndicativeBudget,
        OverrideBudgetCap,
        CompleteFinancialAssessment,
        ChallengeBudget,
        ResolveChallenge,
        DraftSupportPlan,
        ReviseSupportPlan,
        SubmitSupportPlan,
        RecordSignOffDecision,
        MakeDirectPaymentAgreement,
        SchedulePayment,
        IssuePayment,
        RecordPaymentFailure,
        SuspendDirectPayments,
        ResumeDirectPayments,
        EndDirectPaymentAgreement,
        ReceiveMonitoringReturn,
        RecoverUnspentFunds,
        ConfirmArrearsPayment,
        VaryDirectPaymentAgreement,
        ScheduleReview,
        RequestReview,
        CompleteReview,
        RecordStageOverdue,
        CloseCase,
        AllocateCase,
        EscalateCase,
        ResolveEscalation,
    )
}

# The registry, its base and settings, and every command (tests/unit/test_commands_registry.py keeps them in step).
__all__ = [
    "COMMANDS",
    "AcceptCarerAssessment",
    "AllocateCase",
    "CalculateIndicativeBudget",
    "CaseCommand",
    "ChallengeBudget",
    "CloseCase",
    "CompleteCarerAssessment",
    "CompleteFinancialAssessment",
    "CompleteNeedsAssessment",
    "CompleteReview",
    "ConfirmArrearsPayment",
    "CouncilSettings",
    "DeclineCarerAssessment",
    "DetermineEligibility",
    "DraftSupportPlan",
    "EndDirectPaymentAgreement",
    "EscalateCase",
    "IdentifyCarer",
    "IssuePayment",
    "MakeDirectPaymentAgreement",
    "OverrideBudgetCap",
    "ReceiveMonitoringReturn",
    "ReceiveReferral",
    "RecordAssessmentRefusal",
    "RecordCombinedAssessmentConsent",
    "RecordPaymentFailure",
    "RecordSignOffDecision",
    "RecordStageOverdue",
    "RecoverUnspentFunds",
    "RequestCarerAssessment",
    "RequestNeedsAssessment",
    "RequestReview",
    "ResolveChallenge",
    "ResolveEscalation",
    "ResumeDirectPayments",
    "ReviseSupportPlan",
    "SchedulePayment",
    "ScheduleReview",
    "ScreenReferral",
    "Services",
    "StartCarerAssessment",
    "StartNeedsAssessment",
    "SubmitSupportPlan",
    "SuspendDirectPayments",
    "VaryDirectPaymentAgreement",
]
