"""Documents given to the person (decision 0044): each issue of a document made from the record
(``domain/documents``) is a fact on the case: which document, for whom, the event versions it was
made from, the digest of the bytes given, and how it was sent. Who gave it and when are the
event's actor and time, as for every event."""

from __future__ import annotations

from typing import Literal

from domain.case.base import CaseEvent, CommandContext, Recording
from domain.case.rules import (
    case_must_be_open,
    document_sources_must_be_on_the_case,
    documents_given_must_be_ones_the_case_can_give,
    person_must_exist,
)
from domain.vocabulary import DocumentDelivery, DocumentKind


class DocumentSteps(Recording):
    class DocumentIssued(CaseEvent):
        """A document for the person (``GET /cases/{id}/documents/{kind}``) was given to them: which
        kind, for whom, the versions it was made from, the sha256 of the bytes given and how it was sent."""

        kind: DocumentKind
        person_id: str
        source_versions: list[int]
        document_format: Literal["html", "pdf"]
        sha256: str
        sent_by: DocumentDelivery

        def apply(self, case: Recording) -> None:
            pass  # a fact for the timeline and the auditors; the case's state is unchanged

    def record_document_issued(
        self,
        ctx: CommandContext,
        *,
        kind: DocumentKind,
        person_id: str,
        source_versions: list[int],
        document_format: Literal["html", "pdf"],
        sha256: str,
        sent_by: DocumentDelivery,
    ) -> None:
        case_must_be_open(self.state)
        person_must_exist(self.state, person_id)
        documents_given_must_be_ones_the_case_can_give(self.state, kind, person_id)
        document_sources_must_be_on_the_case(source_versions, self.version)
        self._record(
            ctx,
            self.DocumentIssued,
            kind=kind,
            person_id=person_id,
            source_versions=sorted(set(source_versions)),
            document_format=document_format,
            sha256=sha256,
            sent_by=sent_by,
        )
