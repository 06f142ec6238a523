"""Which roles may call what: one table for commands, named groups for reads.

Casework is done by social workers and team managers; a team manager also holds delegated
authority (cap overrides, delegated sign-off, challenges, allocation). Panel members record panel
decisions; a head of service approves exceptions beyond the panel's limit. Finance officers do
the financial assessment and the money. Auditors read and verify but never write. Operations see
ids and counts, and act only to unstick (retry, escalate, reassign). Admins run the service:
operations' powers, nothing on a person's care. A returns officer makes the council's statutory
returns (the ASC-CLD return, decision 0045), which name people; admins may too. The domain
still checks authority where the law asks (a panel decision needs a panel member, and every
approval stays within delegated limits).
"""

from __future__ import annotations

from domain.people import Role

SW, TM, PANEL, HOS, FIN, AUD, OPS, ADMIN, RETURNS = (
    Role.SOCIAL_WORKER,
    Role.TEAM_MANAGER,
    Role.PANEL_MEMBER,
    Role.HEAD_OF_SERVICE,
    Role.FINANCE_OFFICER,
    Role.AUDITOR,
    Role.OPS,
    Role.ADMIN,
    Role.RETURNS_OFFICER,
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
    # Who a person is as the council's returns count them (the ASC-CLD return, decision 0045).
    "RecordPersonDetails": CASEWORK,
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
    "GiveInformationAndAdvice": CASEWORK,
    # Meeting needs that are not eligible commits the council's money: a manager's decision.
    "MeetNeedsAtDiscretion": frozenset({TM}),
    "JudgeAdvocacyNeed": CASEWORK,
    "RecordAdvocateInvolvement": CASEWORK,
    "StartTransitionAssessment": CASEWORK,
    "CompleteTransitionAssessment": CASEWORK,
    "ApplyAdultCarerRules": CASEWORK,
    # Support before the assessments finish commits money: within a delegated limit (domain.delegation).
    "ArrangeInterimSupport": frozenset({TM, PANEL, HOS}),
    "EndInterimSupport": CASEWORK,
    # Reablement is casework; beyond six weeks the domain asks for a team manager (decision 0032).
    "StartReablement": CASEWORK,
    "EndReablement": CASEWORK,
    # The NHS continuing healthcare boundary: the checklist and referral, and the NHS's decision.
    "ReferForContinuingHealthcare": CASEWORK,
    "RecordContinuingHealthcareDecision": CASEWORK,
    # Anyone doing casework raises a concern; the s.42 decision and its outcome are a manager's.
    "RaiseSafeguardingConcern": CASEWORK,
    "DecideSection42Enquiry": frozenset({TM}),
    "ConcludeSafeguardingEnquiry": frozenset({TM}),
    # The right to rectification: a worker on the case corrects a fact about a person, with a reason.
    "CorrectRecordedFact": CASEWORK,
    # Need to know: a team manager of the case's own team (api/need_to_know.py checks the team).
    "RestrictCase": frozenset({TM}),
    "ChangeCaseRestriction": frozenset({TM}),
    "LiftCaseRestriction": frozenset({TM}),
    # Endings per person (issue 19): casework records an ending; finance settles the money after it
    # (the process pays the final payment itself, finance may if it did not); a head of service
    # decides a write-off beyond the finance officer's limit when closing an account.
    "EndInvolvement": CASEWORK,
    "IssueFinalPayment": frozenset({FIN}),
    "RecoverOverpayment": frozenset({FIN}),
    "CloseDirectPaymentAccount": frozenset({FIN, HOS}),
    # Continuity of care when a person moves (s.37-38): casework notifies, shares and records the
    # receiving council's assessment; going on meeting the needs past the move date commits money,
    # so it is a manager's. Casework records a person's exported record given to someone.
    "NotifyMoveToAnotherCouncil": CASEWORK,
    "ShareInformationWithReceivingCouncil": CASEWORK,
    "RecordReceivingCouncilAssessment": CASEWORK,
    "ContinueMeetingNeedsAfterMove": frozenset({TM, HOS}),
    "RecordPersonRecordGiven": CASEWORK,
    # A document for the person (eligibility, statement, plan, agreement, review, challenge) given to them.
    "RecordDocumentIssued": CASEWORK,
}

# Commands only a team manager of the case's own team may send (need to know, api/need_to_know.py).
MANAGED_BY_THE_CASES_TEAM = frozenset({"RestrictCase", "ChangeCaseRestriction", "LiftCaseRestriction"})

# Commands the process issues itself (the service-level timer), never a person through the API.
PROCESS_ONLY = frozenset({"RecordStageOverdue"})

# Reads.
CASE_READERS = frozenset({SW, TM, PANEL, HOS, FIN, AUD})
WORKLIST_READERS = frozenset({SW, TM, PANEL, HOS, FIN})
FIGURE_READERS = frozenset({TM, HOS, AUD, ADMIN})  # council-wide counts, no personal details
AUDITORS = frozenset({AUD})
# Documents for the person (decision 0044): the case's social worker and team, and auditors.
DOCUMENT_READERS = frozenset({SW, TM, AUD})
# "Is this person known to us?" (GET /people): those who take referrals, and auditors.
PEOPLE_SEARCHERS = frozenset({SW, TM, AUD})
OPERATIONS = frozenset({OPS, ADMIN})
# Who may have the Temporal Web UI (or CLI) decrypt a workflow's payloads through /codec: staff
# who unstick workflows and must see what one was given; every decode is logged (api/codec.py).
PAYLOAD_DECODERS = frozenset({OPS, ADMIN})
# Issuing, revoking and rotating API keys, and listing them (never a token or a hash): admins only.
KEY_ADMINS = frozenset({ADMIN})
# Council policy (decision 0034): every member of staff reads what is in force; admins publish.
POLICY_READERS = frozenset({SW, TM, PANEL, HOS, FIN, AUD, OPS, ADMIN, RETURNS})
POLICY_PUBLISHERS = frozenset({ADMIN})
# Simulating a candidate rule set over the open cases (decision 0039): admins over every open case,
# team managers over the open cases their need to know covers; figures and ids only.
POLICY_SIMULATORS = frozenset({TM, ADMIN})
# The finance interface (decision 0043): finance officers read the outbox's messages as a feed,
# acknowledge each and reconcile; auditors read what finance read and acknowledged. Ids and
# amounts only. Operations see messages finance has not acknowledged in time (ids only).
FINANCE_READERS = frozenset({FIN, AUD})
FINANCE_ACKNOWLEDGERS = frozenset({FIN})
UNACKNOWLEDGED_WATCHERS = frozenset({OPS, ADMIN, FIN})
# The council's statutory returns (decision 0045): a returns officer, or an admin; every read is
# logged with the cases the return drew on.
RETURNS_MAKERS = frozenset({RETURNS, ADMIN})
