"""Which roles may call what: one table for commands, named groups for reads.

Casework is done by social workers and team managers; a team manager also holds delegated
authority (cap overrides, delegated sign-off, challenges, allocation). Panel members record panel
decisions; a head of service approves exceptions beyond the panel's limit. Finance officers do
the financial assessment and the money. Auditors read and verify but never write. Operations see
ids and counts, and act only to unstick (retry, escalate, reassign). Admins run the service:
operations' powers, nothing on a person's care. The domain still checks authority where the law
asks (a panel decision needs a panel member, and every approval stays within delegated limits).
"""

from __future__ import annotations

from domain.people import Role

SW, TM, PANEL, HOS, FIN, AUD, OPS, ADMIN = (
    Role.SOCIAL_WORKER,
    Role.TEAM_MANAGER,
    Role.PANEL_MEMBER,
    Role.HEAD_OF_SERVICE,
    Role.FINANCE_OFFICER,
    Role.AUDITOR,
    Role.OPS,
    Role.ADMIN,
)
CASEWORK = frozenset({SW, TM})

COMMAND_ROLES: dict[str, frozenset[Role]] = {
    "ReceiveReferral": CASEWORK,
    "ScreenReferral": CASEWORK,
    "AllocateCase": frozenset({TM}),
    "EscalateCase": CASEWORK,
    "ResolveEscalation": frozenset({TM}),
    "IdentifyCarer": CASEWORK,
    "AcceptCarerAssessment": CASEWORK,
    "DeclineCarerAssessment": CASEWORK,
    "RequestCarerAssessment": CASEWORK,
    "RecordCombinedAssessmentConsent": CASEWORK,
    "StartNeedsAssessment": CASEWORK,
    "CompleteNeedsAssessment": CASEWORK,
    "RecordAssessmentRefusal": CASEWORK,
    "RequestNeedsAssessment": CASEWORK,
    "StartCarerAssessment": CASEWORK,
    "CompleteCarerAssessment": CASEWORK,
    "DetermineEligibility": CASEWORK,
    "CalculateIndicativeBudget": CASEWORK,
    "OverrideBudgetCap": frozenset({TM, PANEL, HOS}),
    "CompleteFinancialAssessment": frozenset({FIN}),
    "ChallengeBudget": CASEWORK,
    "ResolveChallenge": frozenset({TM, PANEL, HOS}),
    "DraftSupportPlan": CASEWORK,
    "ReviseSupportPlan": CASEWORK,
    "SubmitSupportPlan": CASEWORK,
    # Each within its limit in the council's scheme of delegation (domain.delegation).
    "RecordSignOffDecision": frozenset({TM, PANEL, HOS}),
    "RecordCapacityAssessment": CASEWORK,
    "RecordAuthorisedPerson": CASEWORK,
    "RecordNominee": CASEWORK,
    "RecordDirectPaymentRequest": CASEWORK,
    "MakeDirectPaymentAgreement": frozenset({FIN}),
    "SchedulePayment": frozenset({FIN}),
    "IssuePayment": frozenset({FIN}),
    "RecordPaymentFailure": frozenset({FIN}),
    # A worker pauses payments while the person is in hospital, say, and restarts them after.
    "SuspendDirectPayments": frozenset({SW, FIN, TM}),
    "ResumeDirectPayments": frozenset({SW, FIN, TM}),
    "EndDirectPaymentAgreement": frozenset({FIN, TM}),
    "ReceiveMonitoringReturn": frozenset({FIN}),
    "RecoverUnspentFunds": frozenset({FIN}),
    "RecoverMisspentFunds": frozenset({FIN}),
    "RecoverPaymentsAfterStop": frozenset({FIN}),
    # Only finance releases the catch-up payment of a back-dated agreement, stating its amount.
    "ConfirmArrearsPayment": frozenset({FIN}),
    # Finance varies an agreement to follow a changed approved figure (the rule checks the figure).
    "VaryDirectPaymentAgreement": frozenset({FIN}),
    "ScheduleReview": CASEWORK,
    "RequestReview": CASEWORK,
    "CompleteReview": CASEWORK,
    "CloseCase": CASEWORK,
}

# Commands the process issues itself (the service-level timer), never a person through the API.
PROCESS_ONLY = frozenset({"RecordStageOverdue"})

# Reads.
CASE_READERS = frozenset({SW, TM, PANEL, HOS, FIN, AUD})
WORKLIST_READERS = frozenset({SW, TM, PANEL, HOS, FIN})
FIGURE_READERS = frozenset({TM, HOS, AUD, ADMIN})  # council-wide counts, no personal details
AUDITORS = frozenset({AUD})
OPERATIONS = frozenset({OPS, ADMIN})
# Issuing, revoking and rotating API keys, and listing them (never a token or a hash): admins only.
KEY_ADMINS = frozenset({ADMIN})
