"""The documents a case can give a person, and one document as HTML or PDF, as of now or of any
past instant (decision 0044).

Read by the case's social worker and team (need to know: their team's cases, a case allocated to
them, never a restricted case they are not named on) and by auditors, through ``record_reader``:
a document is made from the case record itself, so it needs no view. Every read is in the access
log, with the kind, the person's id and the format, never a name. Giving a document to the person
is recorded on the case with ``record-document-issued`` (its sha256 is this answer's
``X-Document-Sha256``).
"""

# FastAPI reads these endpoints' annotations at run time; see api/commands.py.

import asyncio
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api.auth import backend
from api.backend import Backend
from api.documents.render import html_of, pdf_of, sha256_of
from api.need_to_know import OpenedCase, record_reader
from api.roles import DOCUMENT_READERS
from domain.documents.catalogue import document_for, documents_available
from domain.documents.model import DocumentAvailable
from domain.errors import NotFound
from domain.values import Instant
from domain.vocabulary import DocumentKind

router = APIRouter(tags=["documents"])
App = Annotated[Backend, Depends(backend)]
DocumentReader = Annotated[OpenedCase, Depends(record_reader(DOCUMENT_READERS))]
AsOf = Annotated[
    Instant | None,
    Query(description="Make it as the record stood at this instant, with its time zone (default: now)"),
]
Format = Annotated[Literal["html", "pdf"], Query(description="html (with its print stylesheet) or pdf")]
MEDIA_TYPES = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}


class DocumentsOfTheCase(BaseModel):
    case_id: str
    version: int = Field(description="the version of the case the documents are as of")
    as_of: datetime | None
    documents: list[DocumentAvailable]


def _events(app: Backend, case_id: uuid.UUID, as_of: datetime | None) -> list[Any]:
    if as_of is None:
        return app.record.stored_events(case_id)
    version = app.record.version_as_of(case_id, as_of)
    if version is None:
        raise NotFound(
            f"case {case_id.hex} was not yet recorded at {as_of.isoformat()}",
            code="case_not_yet_recorded",
            field="as_of",
        )
    return app.record.stored_events(case_id, version)


@router.get(
    "/cases/{case_id}/documents",
    response_model=DocumentsOfTheCase,
    summary="The documents the case can give each person, with the event versions each is made from",
)
async def documents(opened: DocumentReader, request: Request, app: App, as_of: AsOf = None) -> DocumentsOfTheCase:
    events = await asyncio.to_thread(_events, app, opened.case_id, as_of)
    available = await asyncio.to_thread(documents_available, events)
    opened.logged(app, request, "documents" + ("" if as_of is None else f" as of {as_of.isoformat()}"))
    return DocumentsOfTheCase(case_id=opened.case_id.hex, version=len(events), as_of=as_of, documents=available)


@router.get(
    "/cases/{case_id}/documents/{kind}",
    response_class=Response,
    summary="One document for a person (the adult unless person_id names a carer), as HTML or PDF",
    responses={
        200: {
            "content": {"text/html": {}, "application/pdf": {}},
            "description": "The document; X-Document-Sha256 is the digest of these bytes, "
            "X-Document-Source-Versions the events it was made from",
        }
    },
)
async def document(
    opened: DocumentReader,
    kind: DocumentKind,
    request: Request,
    app: App,
    person_id: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=64,
            pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$",
            description="whose document: the adult's or a carer's id (default: the adult)",
        ),
    ] = None,
    as_of: AsOf = None,
    format: Format = "html",
) -> Response:
    events = await asyncio.to_thread(_events, app, opened.case_id, as_of)
    whose = person_id or events[0].adult_id
    made = await asyncio.to_thread(document_for, events, kind, whose)
    html = html_of(made)
    content = html.encode("utf-8") if format == "html" else await asyncio.to_thread(pdf_of, html)
    opened.logged(
        app,
        request,
        f"document {kind.value} {whose} {format}" + ("" if as_of is None else f" as of {as_of.isoformat()}"),
    )
    versions = ",".join(str(v) for v in made.source_versions)
    headers = {
        "X-Document-Sha256": sha256_of(content),
        "X-Document-Source-Versions": versions,
        "X-Rule-Set-Hash": made.rule_set_hash or "none",
        "Content-Disposition": f'inline; filename="{kind.value}-{whose}-{versions.replace(",", "-")}.{format}"',
    }
    return Response(content, media_type=MEDIA_TYPES[format], headers=headers)
