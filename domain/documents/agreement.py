"""The direct payment agreement (Care Act 2014 s.31-33, the Direct Payments Regulations 2014):
who is paid, how much, how often and from when, any change to it since, and what the person agrees
to do with the money, from the agreement as recorded and the sign-off it pays."""

from __future__ import annotations

from typing import Any

from domain.case.payments import PaymentSteps
from domain.case.planning import PlanningSteps
from domain.case.rules import APPROVING_OUTCOMES
from domain.case.variations import VariationSteps
from domain.documents.making import IF_YOU_DO_NOT_AGREE, made_from
from domain.documents.model import Document, Figure, Section
from domain.documents.sources import RecordedEvents, of_person
from domain.documents.words import HOW_OFTEN, PAID_TO, day, pounds
from domain.planning import PERIODS_PER_YEAR
from domain.vocabulary import DocumentKind

DirectPaymentAgreementMade = PaymentSteps.DirectPaymentAgreementMade
DirectPaymentAgreementVaried = VariationSteps.DirectPaymentAgreementVaried
SignOffDecisionRecorded = PlanningSteps.SignOffDecisionRecorded

YOUR_PART = [
    "Use the money only for the support in your support plan.",
    "Keep receipts and records of what you spend.",
    "Send us the monitoring returns we ask for.",
    "Tell us if your needs or your situation change.",
    "Money not used for your support may be taken back by the council (Care Act 2014, section 33).",
]


def direct_payment_agreement(events: RecordedEvents, person_id: str) -> Document:
    made = events.latest(DirectPaymentAgreementMade, of_person(person_id))
    assert made is not None
    at = made.originator_version
    varied = events.every(DirectPaymentAgreementVaried, lambda e: e.agreement_id == made.agreement_id, after=at)
    signed = events.latest(
        SignOffDecisionRecorded, lambda e: e.person_id == person_id and e.outcome in APPROVING_OUTCOMES, before=at
    )
    sources: list[Any] = [made, *varied] + ([signed] if signed is not None else [])
    yearly = made.amount_per_payment_pence * PERIODS_PER_YEAR[made.frequency]
    figures = [
        Figure.of("Each payment", made.amount_per_payment_pence),
        Figure.of("The payments in a year", yearly),
    ]
    if made.arrears_pence:
        figures.append(Figure.of("A first payment for the weeks already due", made.arrears_pence))
    summary = (
        f"We will pay {pounds(made.amount_per_payment_pence)} {HOW_OFTEN[made.frequency]} to "
        f"{PAID_TO[made.recipient]}, from {day(made.start_date)}."
    )
    terms = [
        summary,
        f"The money is paid to: {made.recipient_name}.",
        f"Our reference for this agreement: {made.agreement_id}.",
    ]
    if signed is not None:
        terms.append(f"It pays for the support plan approved on {day(signed.timestamp)}.")
    if made.requested_on is not None:
        terms.append(f"The direct payment was asked for on {day(made.requested_on)}.")
    if made.arrears_slots:
        terms.append(
            f"{made.arrears_slots} payment(s) were already due when the agreement was made. They are paid "
            f"together, {pounds(made.arrears_pence)}, once our finance team confirms it."
        )
    sections = [Section(heading="The agreement", paragraphs=terms)]
    if varied:
        sections.append(
            Section(
                heading="Changes to the agreement",
                points=[
                    f"From {day(v.from_date)}: {pounds(v.amount_per_payment_pence)} {HOW_OFTEN[v.frequency]} "
                    f"({pounds(v.yearly_pence)} a year). The reason: {v.reason}"
                    for v in varied
                ],
            )
        )
    sections += [
        Section(heading="Your part of the agreement", points=YOUR_PART),
        Section(heading="The agreement, as we recorded it", paragraphs=[made.explained()[0] + "."]),
        IF_YOU_DO_NOT_AGREE,
    ]
    return made_from(
        events,
        DocumentKind.DIRECT_PAYMENT_AGREEMENT,
        person_id,
        sources,
        summary=summary,
        sections=sections,
        figures=figures,
        rule_set=signed,
    )
