"""Documents for the person (decision 0044): a document made from the record given to them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field

from domain.commands.base import CaseCommand, Identifier, Services
from domain.values import FEW
from domain.vocabulary import DocumentDelivery, DocumentKind

if TYPE_CHECKING:
    from domain.case.aggregate import Case
    from domain.case.base import CommandContext

SourceVersion = Annotated[int, Field(ge=1, le=2**63 - 1)]


class RecordDocumentIssued(CaseCommand):
    """A document for the person was given to them: which, for whom, the versions it was made from
    (``X-Document-Source-Versions``), the sha256 of the bytes given (``X-Document-Sha256``), how sent."""

    kind: DocumentKind
    person_id: Identifier
    source_versions: list[SourceVersion] = Field(min_length=1, max_length=FEW)
    document_format: Literal["html", "pdf"] = "pdf"
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="the sha256 of the bytes given, 64 hex digits")
    sent_by: DocumentDelivery

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.record_document_issued(
            ctx,
            kind=self.kind,
            person_id=self.person_id,
            source_versions=list(self.source_versions),
            document_format=self.document_format,
            sha256=self.sha256,
            sent_by=self.sent_by,
        )
