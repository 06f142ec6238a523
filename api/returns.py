"""The council's statutory returns over HTTP (decision 0045).

``GET /returns/asc-cld?period_end=YYYY-MM-DD`` is the ASC-CLD file for the twelve months to the
period end, as CSV; ``GET /returns/asc-cld/report?period_end=…`` its validation report (rows,
fields failing a mandatory or value check, people without an NHS number). For a returns officer
or an admin. The return names people, so each read is one row in the access log, with the ids of
every case the return drew on, as a list read is.
"""

# FastAPI reads these endpoints' annotations at run time; see api/commands.py.

import asyncio
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from api.auth import allow, backend
from api.backend import Backend
from api.keys import ApiUser
from api.roles import RETURNS_MAKERS
from domain.returns.asc_cld import AscCldReturn, ValidationReport, build_return, csv_text, period_ending

router = APIRouter(prefix="/returns", tags=["returns"])
Maker = Annotated[ApiUser, Depends(allow(RETURNS_MAKERS))]
App = Annotated[Backend, Depends(backend)]
PeriodEnd = Annotated[
    date,
    Query(description="The last day of the return's twelve months: the last day of a month, YYYY-MM-DD"),
]


async def _made(app: Backend, user: ApiUser, request: Request, period_end: date, what: str) -> AscCldReturn:
    period = period_ending(period_end)
    made = await asyncio.to_thread(build_return, app.record, period, app.council.council_code)
    await asyncio.to_thread(
        app.log.list_read,
        user_id=user.user_id,
        role=user.role.value,
        what=f"{what} {period.end.isoformat()}",
        path=request.url.path,
        case_ids=made.case_ids,
    )
    return made


@router.get(
    "/asc-cld",
    summary="The ASC-CLD return for the twelve months to a period end, as CSV (returns officers, admins)",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/csv": {}}, "description": "One row per event, the fields in the return's order"}
    },
)
async def asc_cld_file(user: Maker, app: App, request: Request, period_end: PeriodEnd) -> StreamingResponse:
    made = await _made(app, user, request, period_end, "asc-cld return")
    filename = f"asc-cld-{made.la_code}-{made.period.end.isoformat()}.csv"
    return StreamingResponse(
        csv_text(made.rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get(
    "/asc-cld/report",
    summary="The ASC-CLD return's validation report for a period end (returns officers, admins)",
)
async def asc_cld_report(user: Maker, app: App, request: Request, period_end: PeriodEnd) -> ValidationReport:
    made = await _made(app, user, request, period_end, "asc-cld validation report")
    return made.report
