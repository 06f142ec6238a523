"""Money is integer pence, always. Floats are refused at the boundary, not rounded.

``Pence`` is a non-negative strict integer; ``SignedPence`` allows adjustments below zero.
Proportions are whole basis points (1% = 100 bp) so arithmetic stays exact.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictInt

Pence = Annotated[StrictInt, Field(ge=0, description="An amount of money in whole pence, never negative")]
SignedPence = Annotated[StrictInt, Field(description="A change in money in whole pence; negative reduces")]
BasisPoints = Annotated[StrictInt, Field(ge=0, le=10_000, description="A proportion in basis points: 10000 = 100%")]


def apply_basis_points(amount: int, basis_points: int) -> int:
    """``amount × basis_points / 10000``, rounded half up, in integers only."""
    return (amount * basis_points + 5_000) // 10_000


def format_pounds(pence: int) -> str:
    """£1,234.56 style, for explanations a person reads."""
    sign = "-" if pence < 0 else ""
    pounds, rest = divmod(abs(pence), 100)
    return f"{sign}£{pounds:,}.{rest:02d}"
