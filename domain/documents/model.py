"""A document for the person as data: what it says, section by section, with its figures, and what
it was made from (the case, the event versions, the rule set). Rendering is the API's
(``api/documents``); the same model always renders the same bytes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.money import format_pounds
from domain.vocabulary import DocumentKind


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Figure(Frozen):
    """An amount of money the document states, in pence and as the person reads it."""

    label: str
    pence: int
    text: str

    @classmethod
    def of(cls, label: str, pence: int) -> Figure:
        return cls(label=label, pence=pence, text=format_pounds(pence))


class Table(Frozen):
    """Rows of a table, each cell plain text; ``heads`` names the columns."""

    heads: list[str]
    rows: list[list[str]]


class Section(Frozen):
    heading: str
    paragraphs: list[str] = Field(default_factory=list)
    table: Table | None = None
    # A list of points, each short: what a reader of Easy Read finds easier than a long sentence.
    points: list[str] = Field(default_factory=list)


class Document(Frozen):
    """One document for one person, as of the events it was made from."""

    kind: DocumentKind
    title: str
    case_reference: str
    council_code: str
    person_id: str
    person_name: str
    person_kind: Literal["adult", "carer"]
    # When the decision it records was recorded: the latest of its source events. Never "now".
    dated: datetime
    source_versions: list[int]
    rule_set_id: str | None
    rule_set_hash: str | None
    summary: str
    figures: list[Figure] = Field(default_factory=list)
    sections: list[Section] = Field(default_factory=list)


class DocumentAvailable(Frozen):
    """A document the case can give a person, and the event versions it is made from."""

    kind: DocumentKind
    person_id: str
    person_kind: Literal["adult", "carer"]
    title: str
    source_versions: list[int]
