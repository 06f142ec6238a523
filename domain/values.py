"""The bounded values every command is made of: text, dates, instants, lists.

Whatever a command's model accepts, every handler, view and timer downstream must be able to hold
(an amount SQLite cannot store froze every view; a start date of 9999-12-31 wedged a workflow
when it added 182 days). So the bounds live here, once, in the types, and each refusal names the
rule in pydantic's ``type`` (``blank_text``, ``control_character``, ``date_out_of_range`` …) so
the API's 422 says which field broke which rule.

Bounds that depend on *now* (a birth date in the future, an ``effective_at`` ahead of the clock)
cannot be checked here: a model is validated inside the workflow sandbox too, where reading the
clock is not allowed. The case record checks those against the command's recorded time
(``domain/case/rules.py``, the ``…_must_not_be_in_the_future`` rules).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, Field, StrictStr
from pydantic_core import PydanticCustomError

# The calendar a case can live in. Wide enough for anyone alive and any plan, narrow enough that
# the process's own arithmetic (a review 182 days on, a payment a year on) never leaves
# ``datetime``'s range.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)

# NUL, the other C0 controls but tab and line breaks, DEL and the C1 controls; lone surrogates
# (which JSON can carry as \ud800) cannot be encoded as UTF-8, so no store could hold them.
_FORBIDDEN_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_LINE_BREAKS = re.compile(r"[\n\r\t]")


def _clean(value: str, *, single_line: bool, required: bool) -> str:
    found = _FORBIDDEN_IN_TEXT.search(value)
    if found:
        raise PydanticCustomError(
            # pydantic fills {name} from the context but knows no format spec: the text is made here
            "control_character",
            "text may not contain control characters (found U+{code})",
            {"code": f"{ord(found.group()):04X}"},
        )
    if single_line and _LINE_BREAKS.search(value):
        raise PydanticCustomError("line_break", "a name or short label is one line: no tabs or line breaks")
    cleaned = unicodedata.normalize("NFC", value).strip()
    if required and not cleaned:
        raise PydanticCustomError("blank_text", "must say something: blank or whitespace-only text is refused")
    return cleaned


def _required_text(value: str) -> str:
    return _clean(value, single_line=False, required=True)


def _optional_text(value: str) -> str:
    return _clean(value, single_line=False, required=False)


def _single_line(value: str) -> str:
    return _clean(value, single_line=True, required=True)


Identifier = Annotated[
    StrictStr,
    Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$",
        description="An identifier: letters, digits and _ . : - (at most 64)",
    ),
]


def _nhs_check_digit(value: str) -> str:
    # The NHS number's tenth digit is its modulus 11 check digit: 11 less the remainder of the first
    # nine digits weighted 10 down to 2, divided by 11 (11 reads as 0; 10 is never issued).
    total = sum(int(digit) * weight for digit, weight in zip(value[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    if check == 10 or check != int(value[9]):
        raise PydanticCustomError(
            "nhs_number_check_digit",
            "not an NHS number: its last digit is not the modulus 11 check digit of the first nine",
        )
    return value


# The GSS code of an English council with adult social care duties: a unitary authority (E06), a
# metropolitan district (E08), a London borough or the City (E09) or a county council (E10). A
# district council (E07) has none. The one pattern for a council a deployment serves (decision 0040).
SOCIAL_CARE_COUNCIL_CODE = r"E(06|08|09|10)[0-9]{6}"

NhsNumber = Annotated[
    StrictStr,
    Field(
        min_length=10,
        max_length=10,
        pattern=r"^[0-9]{10}$",
        description="An NHS number: 10 digits, no spaces, the last the modulus 11 check digit",
    ),
    AfterValidator(_nhs_check_digit),
]

# A UK postcode, upper case with its one space (``SW1A 1AA``).
Postcode = Annotated[
    StrictStr,
    Field(
        min_length=6,
        max_length=8,
        pattern=r"^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}$",
        description="A UK postcode, upper case, with the space before its last three characters",
    ),
]

# A GP practice's national code (the ODS code): a letter and five digits.
GpPracticeCode = Annotated[
    StrictStr,
    Field(min_length=6, max_length=6, pattern=r"^[A-Z][0-9]{5}$", description="A GP practice's ODS code"),
]

Reason = Annotated[
    StrictStr,
    Field(min_length=1, max_length=4_000),
    AfterValidator(_required_text),
    Field(description="Reasons, in plain English: required, not blank (at most 4,000 characters)"),
]
Notes = Annotated[
    StrictStr,
    Field(max_length=8_000),
    AfterValidator(_optional_text),
    Field(description="Free text; may be empty (at most 8,000 characters)"),
]
Name = Annotated[
    StrictStr,
    Field(min_length=1, max_length=200),
    AfterValidator(_single_line),
    Field(description="A name: one line, not blank (at most 200 characters)"),
]
ShortText = Annotated[
    StrictStr,
    Field(min_length=1, max_length=500),
    AfterValidator(_required_text),
    Field(description="A short statement, not blank (at most 500 characters)"),
]
LongText = Annotated[
    StrictStr,
    Field(min_length=1, max_length=2_000),
    AfterValidator(_required_text),
    Field(description="A statement, not blank (at most 2,000 characters)"),
]


def _within_calendar(value: date) -> date:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise PydanticCustomError(
            "date_out_of_range",
            "must be between {earliest} and {latest}",
            {"earliest": EARLIEST_DATE.isoformat(), "latest": LATEST_DATE.isoformat()},
        )
    return value


def _instant_within_calendar(value: datetime) -> datetime:
    try:
        utc = value.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:59-01:00, say: held as UTC it is past the year 9999
        raise PydanticCustomError(
            "date_out_of_range",
            "must be between {earliest} and {latest}",
            {"earliest": EARLIEST_DATE.isoformat(), "latest": LATEST_DATE.isoformat()},
        ) from None
    _within_calendar(utc.date())
    return utc


CaseDate = Annotated[
    date, AfterValidator(_within_calendar), Field(description=f"A date from {EARLIEST_DATE} to {LATEST_DATE}")
]
Instant = Annotated[
    AwareDatetime,
    AfterValidator(_instant_within_calendar),
    Field(description="An instant with its time zone (held as UTC), within the case calendar"),
]

# How many items a list in a command may hold: far more than any real plan, far less than would
# push a workflow payload near Temporal's limits.
FEW = 20
SOME = 50
MANY = 200
