"""The person index: one council person id for a person across their cases (issue 19, item 1).

A case names its people by ids of its own (``adult_id``, ``carer_id``: "adult-1" on every case).
Across cases a person is their council person id, the ASC-CLD ``LA_Person_Unique_Identifier``:
given by the referral (or the carer's identification), else matched from their NHS number to a
person the council already knows, else assigned by the record from the case and the in-case id
(``assigned_council_person_id``), so replaying the record gives the same id.

An adult has at most one open episode (case) at a time. The store keeps one row per key a person
is known by (their council person id, a digest of their NHS number) for each case they are the
adult of, held while that episode is open and released when the adult's involvement ends or the
case closes, in the same transaction as the events that hold or release it (decision 0031). A
command reads those rows through ``Services.people`` (``PersonIndex``) to refuse a second open
case politely; the store's unique key on the held rows is the last word when two referrals race.

Pure: the index itself is the store's.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict

COUNCIL_PREFIX = "council:"
NHS_PREFIX = "nhs:"
# What ``person_episode()`` hands the store for an event that releases: every episode of the case.
WHOLE_CASE = "*"


class Episode(BaseModel):
    """One case a person is the adult of, as the store's person index holds it (ids only)."""

    model_config = ConfigDict(frozen=True)

    case_id: str
    person_id: str
    council_person_id: str
    held: bool  # the episode is open: the adult's involvement has not ended, the case not closed


@runtime_checkable
class PersonIndex(Protocol):
    """Where a command finds the episodes of a person (the store's person index)."""

    def episodes_of(self, keys: list[str]) -> list[Episode]:
        """Every episode recorded under any of these keys (``episode_keys``), oldest case first."""
        ...


def assigned_council_person_id(case_id: str, person_id: str) -> str:
    """The council person id the record gives a person the referral named none for: the same for
    the same case and in-case id every time (a replay assigns it again, never anew)."""
    digest = hashlib.sha256(f"{case_id}/{person_id}".encode()).hexdigest()
    return f"CC-{digest[:20].upper()}"


def nhs_key(nhs_number: str) -> str:
    """The key the store holds an NHS number under: a digest, deleted with the case's personal
    data (it stands for the number, which is personal data, however it is written)."""
    return NHS_PREFIX + hashlib.sha256(f"carecase-nhs-number/{nhs_number}".encode()).hexdigest()


def episode_keys(council_person_id: str | None, nhs_number: str | None) -> list[str]:
    keys = []
    if council_person_id:
        keys.append(COUNCIL_PREFIX + council_person_id)
    if nhs_number:
        keys.append(nhs_key(nhs_number))
    return keys


def episode_hold(case_id: str, person_id: str, council_person_id: str, nhs_number: str | None) -> dict[str, object]:
    """What an event that opens an episode hands the store (``person_episode()``)."""
    return {
        "hold": episode_keys(council_person_id, nhs_number),
        "case_id": case_id,
        "person_id": person_id,
        "council_person_id": council_person_id,
    }


def episode_release(case_id: str, person_id: str) -> dict[str, object]:
    """What an event that ends an episode hands the store: the person's, or ``WHOLE_CASE``."""
    return {"release": person_id, "case_id": case_id}


_SPACES = re.compile(r"\s+")


def normalised_name(name: str) -> str:
    """A name as the index matches it: Unicode-normalised, case folded, whitespace collapsed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", name)).strip().casefold()
