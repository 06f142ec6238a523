"""Plain words for documents a person reads: short sentences, everyday names for the outcomes of
the eligibility regulations, money as pounds and days as "5 January 2026". The regulation's own
words stay in the recorded reasons, which each document quotes in full beside these."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from domain.eligibility import AdultOutcome, CarerOutcome
from domain.money import format_pounds
from domain.vocabulary import (
    AdviceTopic,
    BudgetManagement,
    ChallengeOutcome,
    DocumentKind,
    Frequency,
    PaymentRecipient,
    ReviewOutcome,
    SignOffOutcome,
)

TITLES: dict[DocumentKind, str] = {
    DocumentKind.ELIGIBILITY_DETERMINATION: "Our decision about your needs",
    DocumentKind.PERSONAL_BUDGET_STATEMENT: "Your personal budget",
    DocumentKind.SUPPORT_PLAN: "Your support plan",
    DocumentKind.DIRECT_PAYMENT_AGREEMENT: "Your direct payment agreement",
    DocumentKind.REVIEW_OUTCOME: "What your review decided",
    DocumentKind.CHALLENGE_OUTCOME: "What we decided about your challenge",
}
CARER_TITLES: dict[DocumentKind, str] = {
    DocumentKind.ELIGIBILITY_DETERMINATION: "Our decision about your needs as a carer",
    DocumentKind.SUPPORT_PLAN: "Your carer's support plan",
}

ADULT_OUTCOMES: dict[str, str] = {
    AdultOutcome.NUTRITION: "eating and drinking well",
    AdultOutcome.PERSONAL_HYGIENE: "keeping yourself clean",
    AdultOutcome.TOILET_NEEDS: "using the toilet",
    AdultOutcome.APPROPRIATELY_CLOTHED: "getting dressed",
    AdultOutcome.USING_HOME_SAFELY: "moving around your home safely",
    AdultOutcome.HABITABLE_HOME: "keeping your home clean and safe",
    AdultOutcome.RELATIONSHIPS: "seeing family and friends",
    AdultOutcome.WORK_TRAINING_EDUCATION_VOLUNTEERING: "work, training, learning or volunteering",
    AdultOutcome.COMMUNITY_FACILITIES: "using local places and services, like buses and leisure centres",
    AdultOutcome.CARING_FOR_A_CHILD: "looking after a child",
}
CARER_OUTCOMES: dict[str, str] = {
    CarerOutcome.CARING_FOR_A_CHILD: "looking after a child",
    CarerOutcome.CARING_FOR_OTHERS: "caring for other people you look after",
    CarerOutcome.HABITABLE_HOME: "keeping your home clean and safe",
    CarerOutcome.NUTRITION: "eating and drinking well",
    CarerOutcome.RELATIONSHIPS: "seeing family and friends",
    CarerOutcome.WORK_TRAINING_EDUCATION_VOLUNTEERING: "work, training, learning or volunteering",
    CarerOutcome.COMMUNITY_FACILITIES: "using local places and services",
    CarerOutcome.RECREATION: "time for yourself and things you enjoy",
}
ADVICE_TOPICS: dict[AdviceTopic, str] = {
    AdviceTopic.PREVENTION: "how to stop your needs getting worse",
    AdviceTopic.MEETING_OR_REDUCING_NEEDS: "how to meet or reduce your needs",
    AdviceTopic.UNIVERSAL_AND_COMMUNITY_SERVICES: "services and groups near you",
    AdviceTopic.CARERS_SUPPORT: "support for carers",
    AdviceTopic.HOUSING: "housing",
    AdviceTopic.BENEFITS_AND_MONEY: "benefits and money",
    AdviceTopic.INDEPENDENT_FINANCIAL_ADVICE: "independent advice about money",
    AdviceTopic.HEALTH: "your health",
    AdviceTopic.SAFEGUARDING: "keeping safe",
    AdviceTopic.EQUIPMENT_AND_ADAPTATIONS: "equipment and changes to your home",
}
HOW_OFTEN: dict[Frequency, str] = {
    Frequency.ONE_OFF: "once",
    Frequency.WEEKLY: "every week",
    Frequency.FORTNIGHTLY: "every 2 weeks",
    Frequency.FOUR_WEEKLY: "every 4 weeks",
    Frequency.MONTHLY: "every month",
    Frequency.QUARTERLY: "every 3 months",
    Frequency.ANNUAL: "once a year",
}
HELD_AS: dict[BudgetManagement, str] = {
    BudgetManagement.DIRECT_PAYMENT: "a direct payment: the money is paid to you to arrange your support",
    BudgetManagement.COUNCIL_MANAGED: "managed by the council: we arrange your support for you",
    BudgetManagement.INDIVIDUAL_SERVICE_FUND: "an individual service fund: a provider holds the money for you",
    BudgetManagement.THIRD_PARTY_MANAGED_ACCOUNT: "a managed account: an organisation holds the money for you",
    BudgetManagement.MIX: "a mix: some as a direct payment, some arranged by the council",
}
PAID_TO: dict[PaymentRecipient, str] = {
    PaymentRecipient.PERSON: "you",
    PaymentRecipient.AUTHORISED_PERSON: "your authorised person, who manages it for you",
    PaymentRecipient.NOMINEE: "your nominee, who manages it for you at your request",
    PaymentRecipient.MANAGED_ACCOUNT: "the organisation that holds your managed account",
    PaymentRecipient.ISF_PROVIDER: "the provider that holds your individual service fund",
}
REVIEW_OUTCOMES: dict[ReviewOutcome, str] = {
    ReviewOutcome.NO_CHANGE: "Your support stays the same.",
    ReviewOutcome.REVISE_PLAN: "We will change your support plan with you.",
    ReviewOutcome.REASSESS: "We will assess your needs again. Your budget will not be cut without a new assessment.",
    ReviewOutcome.CLOSE: "Your support from us will end.",
}
CHALLENGE_OUTCOMES: dict[ChallengeOutcome, str] = {
    ChallengeOutcome.UPHELD: "We agree with your challenge.",
    ChallengeOutcome.PARTLY_UPHELD: "We agree with part of your challenge.",
    ChallengeOutcome.NOT_UPHELD: "We do not agree with your challenge.",
}
SIGN_OFF_OUTCOMES: dict[SignOffOutcome, str] = {
    SignOffOutcome.APPROVED: "approved",
    SignOffOutcome.APPROVED_WITH_CHANGES: "approved with changes",
    SignOffOutcome.DEFERRED: "put off until we have more information",
    SignOffOutcome.DECLINED: "not approved",
}
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def pounds(pence: int) -> str:
    return format_pounds(pence)


def day(when: date | datetime) -> str:
    """A day as a person reads it: 5 January 2026 (an instant by its UTC day)."""
    if isinstance(when, datetime):
        when = when.date()
    return f"{when.day} {MONTHS[when.month - 1]} {when.year}"


def listed(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def words_for(value: str) -> str:
    """An enumerated value as words, for one the lists above do not name."""
    return value.replace("_", " ")
