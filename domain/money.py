"""Money is integer pence, always. Floats are refused at the boundary, not rounded.

``Pence`` is a non-negative strict integer; ``SignedPence`` allows adjustments below zero.
Proportions are whole basis points (1% = 100 bp) so arithmetic stays exact.

Every amount has a ceiling (``PENCE_CEILING``, £100 million) in its type, so that no product the
record computes from accepted amounts (units × unit cost × periods in a year, summed over a
plan's lines) can leave a 64-bit integer, which is what both stores and the views hold. Below
that, the council sets its own maximum per amount (``CouncilSettings.max_amount_pence``), checked
by the case record against every amount a command carries (``amounts_within_council_maximum``).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictInt

PENCE_CEILING = 10_000_000_000  # £100,000,000.00

Pence = Annotated[
    StrictInt, Field(ge=0, le=PENCE_CEILING, description="An amount of money in whole pence, never negative")
]
SignedPence = Annotated[
    StrictInt,
    Field(ge=-PENCE_CEILING, le=PENCE_CEILING, description="A change in money in whole pence; negative reduces"),
]
BasisPoints = Annotated[StrictInt, Field(ge=0, le=10_000, description="A proportion in basis points: 10000 = 100%")]


def apply_basis_points(amount: int, basis_points: int) -> int:
    """``amount × basis_points / 10000``, rounded half up, in integers only."""
    return (amount * basis_points + 5_000) // 10_000


def format_pounds(pence: int) -> str:
    """£1,234.56 style, for explanations a person reads."""
    sign = "-" if pence < 0 else ""
    pounds, rest = divmod(abs(pence), 100)
    return f"{sign}£{pounds:,}.{rest:02d}"
