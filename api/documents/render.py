"""A document for the person as HTML (with its print stylesheet inline) and as PDF, from its model
alone, byte for byte the same each time: no clock, no random ids, nothing fetched.

The HTML is the template ``templates/document.html`` over ``domain.documents.model.Document``. The
PDF is WeasyPrint's rendering of that HTML with Debian's DejaVu fonts; its creation date is the
document's own date (the decision's), its file identifier is taken from the HTML's digest, and
every URL is refused, so the same events give the same bytes (decision 0044).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from domain.documents.model import Document
from domain.documents.words import day

HERE = Path(__file__).parent
_templates = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def html_of(document: Document) -> str:
    return _templates.get_template("document.html").render(
        document=document,
        dated=day(document.dated),
        created=document.dated.isoformat(),
        versions=", ".join(str(v) for v in document.source_versions),
    )


def pdf_of(html: str) -> bytes:
    """The HTML printed to PDF. WeasyPrint is imported here: it is heavy, and only a PDF needs it."""
    from weasyprint import HTML, URLFetcher  # type: ignore[import-untyped]

    refuse_every_url = URLFetcher(allowed_protocols=(), fail_on_errors=True)
    identifier = hashlib.sha256(html.encode("utf-8")).hexdigest()[:32].encode("ascii")
    pdf: bytes = HTML(string=html, url_fetcher=refuse_every_url).write_pdf(pdf_identifier=identifier)
    return pdf


def sha256_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()
