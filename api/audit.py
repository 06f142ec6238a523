"""What auditors use: a case as of any instant, its decisions explained and verified, its hash
chain checked, its whole record exported, and who read it. Auditors read; they never write.

These read the case record itself rather than the views: the point is to check the record.
Every read of a case here is in the access log, like any other, and opens the case through need
to know (``api/need_to_know.py``; auditors' reach is every case). Auditors also review every
break-glass read (``/audit/break-glass``) and check that both logs' hash chains are whole
(``/audit/logs/verify``).
"""

# FastAPI reads these endpoints' annotations at run time; see api/commands.py.

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AwareDatetime

from api.auth import allow, backend
from api.backend import Backend
from api.keys import ApiUser
from api.log_chain import LogReport
from api.need_to_know import CaseVersion, OpenedCase, record_reader
from api.queries import Limit
from api.roles import AUDITORS
from domain.audit import ChainReport
from domain.decision_audit import DecisionCheck, DecisionExplanation, explain, is_decision

router = APIRouter(prefix="/audit", tags=["audit"])
Auditor = Annotated[ApiUser, Depends(allow(AUDITORS))]
App = Annotated[Backend, Depends(backend)]
# A case opened for an auditor through need to know (404 for a case the record does not hold).
AuditedCase = Annotated[OpenedCase, Depends(record_reader(AUDITORS))]
AuditedDecision = Annotated[OpenedCase, Depends(record_reader(AUDITORS, versioned=True))]
Version = CaseVersion


@router.get("/cases/{case_id}/as-of", summary="The case exactly as the record stood at an instant")
def as_of(
    opened: AuditedCase,
    request: Request,
    app: App,
    at: Annotated[AwareDatetime, Query(description="An instant with its time zone, e.g. 2026-05-01T09:00:00Z")],
) -> dict[str, Any]:
    case_id = opened.case_id
    opened.logged(app, request, f"as-of {at.isoformat()}")
    case = app.record.case_as_of(case_id, at)
    if case is None:
        return {"case_id": case_id.hex, "as_of": at.isoformat(), "exists": False, "version": 0, "state": None}
    return {
        "case_id": case_id.hex,
        "as_of": at.isoformat(),
        "exists": True,
        "version": case.version,
        "state": case.state.model_dump(mode="json"),
    }


@router.get(
    "/cases/{case_id}/decisions",
    response_model=list[DecisionExplanation],
    summary="Every decision on the case, explained in plain English with its breakdown",
)
def decisions(opened: AuditedCase, request: Request, app: App) -> list[DecisionExplanation]:
    case_id = opened.case_id
    opened.logged(app, request, "decisions")
    return [explain(e) for e in app.record.stored_events(case_id) if is_decision(e)]


@router.get(
    "/cases/{case_id}/decisions/{version}", response_model=DecisionExplanation, summary="One decision explained"
)
def decision(opened: AuditedDecision, version: Version, request: Request, app: App) -> DecisionExplanation:
    case_id = opened.case_id
    opened.logged(app, request, f"decision {version}")
    return explain(app.record.decision_at(case_id, version))


@router.get(
    "/cases/{case_id}/decisions/{version}/verify",
    response_model=DecisionCheck,
    summary="Recompute a decision from what was recorded before it (or check a judgement's authority)",
)
def verify_decision(opened: AuditedDecision, version: Version, request: Request, app: App) -> DecisionCheck:
    case_id = opened.case_id
    opened.logged(app, request, f"verify decision {version}")
    return app.record.verify_decision(case_id, version)


@router.get("/cases/{case_id}/verify", response_model=ChainReport, summary="Check the case's hash chain")
def verify_chain(opened: AuditedCase, request: Request, app: App) -> ChainReport:
    case_id = opened.case_id
    opened.logged(app, request, "verify chain")
    return app.record.verify_chain(case_id)


@router.get("/cases/{case_id}/export", summary="The case's whole record as JSON: every event as stored, with its hash")
def export(opened: AuditedCase, request: Request, app: App) -> dict[str, Any]:
    case_id = opened.case_id
    opened.logged(app, request, "export")
    stored = app.record.stored_records(case_id)
    index = {row.originator_version: row for row in app.record.index_rows(case_id)}
    events = [
        {
            "version": s.originator_version,
            "topic": s.topic,
            "state": app.record.decode_state(s),
            # The sealed personal values opened, or "erased" after retention (decision 0026).
            "personal": app.record.personal_values(s),
            "chain_hash": getattr(index.get(s.originator_version), "chain_hash", None),
        }
        for s in stored
    ]
    return {
        "case_id": case_id.hex,
        "exported_at": datetime.now(UTC).isoformat(),
        "events": events,
        "chain": app.record.verify_chain(case_id).model_dump(mode="json"),
    }


@router.get(
    "/break-glass",
    summary="Every read of a case outside the reader's need to know: who, when, which case, what, and why",
)
def break_glass(
    user: Auditor, app: App, case_id: uuid.UUID | None = None, user_id: str | None = None, limit: Limit = 200
) -> list[dict[str, Any]]:
    return app.log.break_glass_reads(case_id=case_id.hex if case_id else None, user_id=user_id, limit=limit)


@router.get(
    "/logs/verify",
    response_model=list[LogReport],
    summary="Check the hash chains of the access log and the operations log; name every row changed or removed",
)
def verify_logs(user: Auditor, app: App) -> list[LogReport]:
    return app.log.verify()


@router.get("/access-log", summary="Who read which case (or which cases a list returned), when, and what")
def access_log(
    user: Auditor, app: App, case_id: uuid.UUID | None = None, user_id: str | None = None, limit: Limit = 200
) -> list[dict[str, Any]]:
    return app.log.reads(case_id=case_id.hex if case_id else None, user_id=user_id, limit=limit)


@router.get("/ops-actions", summary="Every operations action (retry, escalate, reassign) and its outcome")
def ops_actions(
    user: Auditor, app: App, case_id: uuid.UUID | None = None, user_id: str | None = None, limit: Limit = 200
) -> list[dict[str, Any]]:
    return app.log.actions(case_id=case_id.hex if case_id else None, user_id=user_id, limit=limit)
