"""Each document for the person is made from the recorded events alone: it renders as HTML and PDF,
states the figures of the recorded decision, and is the same byte for byte when made twice and when
made as of a later instant for an earlier decision."""

from __future__ import annotations

import io

import pypdf
from markupsafe import escape

from api.documents.render import html_of, pdf_of, sha256_of
from domain.application import CaseRecord
from domain.documents.catalogue import document_for, documents_available
from domain.money import format_pounds
from domain.vocabulary import DocumentKind
from tests.builders import ADULT, Scenario
from tests.documents.lifecycle import (
    ADULT_PLAN_PENCE,
    CARER,
    REVISED_PENCE,
    challenge_and_review,
    payments,
    up_to_sign_off,
)
from tests.domain.story import CARER_BUDGET_PENCE, given, last, refused, when


def text_of(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_every_document_renders_with_the_recorded_figures_and_the_same_bytes_each_time(record: CaseRecord):
    s = Scenario()
    given(record, up_to_sign_off(s), payments(s), challenge_and_review(s))
    events = record.stored_events(s.case_id)
    available = documents_available(events)
    assert {(d.person_id, d.kind) for d in available} == {
        (person, kind) for person in (ADULT, CARER) for kind in DocumentKind if kind != DocumentKind.CHALLENGE_OUTCOME
    } | {(ADULT, DocumentKind.CHALLENGE_OUTCOME)}

    state = record.get_case(s.case_id).state
    adult, carer = state.people[ADULT], state.people[CARER]
    assert adult.statement is not None and carer.statement is not None
    expected = {
        (ADULT, DocumentKind.PERSONAL_BUDGET_STATEMENT): [
            format_pounds(REVISED_PENCE),
            format_pounds(adult.statement.adult_contribution_pence),
            format_pounds(adult.statement.council_amount_pence),
        ],
        (CARER, DocumentKind.PERSONAL_BUDGET_STATEMENT): [format_pounds(CARER_BUDGET_PENCE), "£0.00"],
        (ADULT, DocumentKind.SUPPORT_PLAN): [format_pounds(ADULT_PLAN_PENCE), "sitting service"],
        (CARER, DocumentKind.SUPPORT_PLAN): [format_pounds(CARER_BUDGET_PENCE), "sitting service"],
        (ADULT, DocumentKind.CHALLENGE_OUTCOME): [format_pounds(REVISED_PENCE)],
    }
    for entry in available:
        document = document_for(events, entry.kind, entry.person_id)
        assert document.source_versions == entry.source_versions
        assert document.case_reference == s.case_id.hex
        html = html_of(document)
        pdf = pdf_of(html)
        assert pdf.startswith(b"%PDF-")
        # Made again from the same events (read afresh from the store): the same bytes.
        again = document_for(record.stored_events(s.case_id), entry.kind, entry.person_id)
        assert html_of(again) == html and pdf_of(html_of(again)) == pdf
        text = text_of(pdf)
        for figure in expected.get((entry.person_id, entry.kind), []):
            assert figure in html and figure in text, (entry.kind, entry.person_id, figure)
        assert s.case_id.hex in html and document.person_name in text
        assert ", ".join(str(v) for v in document.source_versions) in html

    # The aligned break is named in both plans, each naming the other person.
    adult_plan = html_of(document_for(events, DocumentKind.SUPPORT_PLAN, ADULT))
    carer_plan = html_of(document_for(events, DocumentKind.SUPPORT_PLAN, CARER))
    assert f"in the plan of {carer.name}: sitting service" in adult_plan
    assert f"in the plan of {adult.name}: sitting service" in carer_plan


def test_a_document_made_as_of_a_later_instant_for_an_earlier_decision_is_the_same(record: CaseRecord):
    s = Scenario()
    given(record, up_to_sign_off(s))
    signed_at = record.get_case(s.case_id).state.last_recorded_at
    given(record, payments(s), challenge_and_review(s))
    later = record.get_case(s.case_id).state.last_recorded_at

    then = record.stored_events(s.case_id, record.version_as_of(s.case_id, signed_at))
    now = record.stored_events(s.case_id, record.version_as_of(s.case_id, later))
    assert len(now) > len(then)
    for kind in (DocumentKind.ELIGIBILITY_DETERMINATION, DocumentKind.SUPPORT_PLAN):
        for person in (ADULT, CARER):
            earlier, today = document_for(then, kind, person), document_for(now, kind, person)
            assert html_of(earlier) == html_of(today)
            assert pdf_of(html_of(earlier)) == pdf_of(html_of(today))
    # The adult's statement changed when the challenge revised the figure: as of sign-off it is the old one.
    before = document_for(then, DocumentKind.PERSONAL_BUDGET_STATEMENT, ADULT)
    after = document_for(now, DocumentKind.PERSONAL_BUDGET_STATEMENT, ADULT)
    assert before.figures[0].pence == ADULT_PLAN_PENCE and after.figures[0].pence == REVISED_PENCE
    assert max(before.source_versions) < max(after.source_versions)


def test_giving_a_document_is_recorded_only_for_one_the_case_can_give(record: CaseRecord):
    s = Scenario()
    given(record, s.up_to_gate(), s.carers_assessed())
    refused(record, s.document_issued(), "no_such_document_to_give")
    given(record, s.eligibility())
    refused(record, s.document_issued(CARER), "no_such_document_to_give")
    refused(record, s.document_issued(kind="support_plan"), "no_such_document_to_give")
    refused(record, s.document_issued("nobody"), "unknown_person")

    events = record.stored_events(s.case_id)
    made = document_for(events, DocumentKind.ELIGIBILITY_DETERMINATION, ADULT)
    pdf = pdf_of(html_of(made))
    beyond = s.document_issued(source_versions=[len(events) + 1], sha256=sha256_of(pdf))
    refused(record, beyond, "document_source_not_on_the_case")

    issue = s.document_issued(source_versions=made.source_versions, sha256=sha256_of(pdf), sent_by="email")
    assert when(record, issue) == ["DocumentIssued"]
    issued = last(record, s.case_id, "DocumentIssued")
    assert (issued.kind, issued.person_id, issued.source_versions, issued.sha256, issued.sent_by) == (
        DocumentKind.ELIGIBILITY_DETERMINATION,
        ADULT,
        made.source_versions,
        sha256_of(pdf),
        "email",
    )
    assert issued.actor == issue.actor
    # Recording the issue changes nothing the document is made from: made again, the same bytes.
    again = document_for(record.stored_events(s.case_id), DocumentKind.ELIGIBILITY_DETERMINATION, ADULT)
    assert pdf_of(html_of(again)) == pdf


def test_needs_not_eligible_give_the_prevention_advice_recorded_after_them(record: CaseRecord):
    s = Scenario()
    not_eligible = {
        "needs_arise_from_impairment_or_illness": True,
        "unable_to_achieve": {"nutrition": ["needs_assistance"]},
        "significant_impact_on_wellbeing": True,
    }
    given(record, s.referral(), s.screen(), s.start_adult(), s.complete_adult(findings=not_eligible), s.eligibility())
    owed = html_of(document_for(record.stored_events(s.case_id), DocumentKind.ELIGIBILITY_DETERMINATION, ADULT))
    assert "are not eligible" in owed and "We have not recorded giving it yet" in owed

    given(record, s.advice())
    events = record.stored_events(s.case_id)
    made = document_for(events, DocumentKind.ELIGIBILITY_DETERMINATION, ADULT)
    advice = events[-1]
    assert made.source_versions == [advice.originator_version - 1, advice.originator_version]
    html = html_of(made)
    assert "We have not recorded giving it yet" not in html and str(escape(advice.notes)) in html
