"""How a view's read queries turn its rows into typed models.

Each view owns its tables and the queries that read them (the functions at the end of its
module), and answers with models whose fields are the columns it selects, in the table's order:
callers never name a table or a column. Values are as the table holds them (ISO 8601 text for
times, 0/1 for yes/no), so an answer serialises exactly as the row reads.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict

from projections.store import ViewCursor

Bit = Literal[0, 1]  # a yes/no column: 1 yes, 0 no
Instant = str  # fixed-width UTC text or ISO 8601, as the column holds it


def _json_list(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


# A list the view stores as JSON text.
JsonList = Annotated[list[str], BeforeValidator(_json_list)]


class ViewRow(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


M = TypeVar("M", bound=BaseModel)


def columns_of(model: type[BaseModel]) -> tuple[str, ...]:
    return tuple(model.model_fields)


def select(cursor: ViewCursor, model: type[M], table: str, where: str = "", params: Sequence[Any] = ()) -> list[M]:
    """``SELECT`` the model's fields from the table (``where`` may add WHERE, ORDER BY and LIMIT)."""
    columns = columns_of(model)
    rows = cursor.execute(f"SELECT {', '.join(columns)} FROM {table} {where}", params).fetchall()
    return [model.model_validate(dict(zip(columns, row, strict=True))) for row in rows]


def select_one(cursor: ViewCursor, model: type[M], table: str, where: str, params: Sequence[Any]) -> M | None:
    rows = select(cursor, model, table, where, params)
    return rows[0] if rows else None
