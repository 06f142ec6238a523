"""The council's published policy over HTTP: what is in force, a RAS to build a questionnaire from,
and publishing a new rule set (decision 0034).

``GET /policy`` and ``GET /policy/ras/{id}`` are for any member of staff: a front end builds its
RAS questions, answers, bands, tiers and caps from them, never from a copy of its own. Publishing
(``POST /policy/rule-sets``) is for admins only; it records a ``RuleSetPublished`` event in the
council's policy stream, naming the admin and the reason.
"""

# FastAPI reads these endpoints' annotations at run time; see api/commands.py.

import asyncio
import json
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from api.auth import allow, backend
from api.backend import Backend
from api.keys import ApiUser
from api.need_to_know import reach_for
from api.roles import POLICY_PUBLISHERS, POLICY_READERS, POLICY_SIMULATORS
from domain.errors import InvalidInput
from domain.need_to_know import Reach
from domain.people import Actor, Role
from domain.policy import Publication
from domain.ras import CarerSupportLevel, RuleSet, WellbeingImpact
from domain.ras.rule_set import Question
from domain.values import Reason
from policy import simulation
from policy.catalogue import RuleSetCatalogue

router = APIRouter(prefix="/policy", tags=["policy"])
Reader = Annotated[ApiUser, Depends(allow(POLICY_READERS))]
Publisher = Annotated[ApiUser, Depends(allow(POLICY_PUBLISHERS))]
Simulator = Annotated[ApiUser, Depends(allow(POLICY_SIMULATORS))]
App = Annotated[Backend, Depends(backend)]
RuleSetIdPath = Annotated[
    str, Path(pattern=r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$", max_length=100, description="A RAS rule set's id")
]
# The largest rule set file accepted: the shipped ones are under 10 kB.
LARGEST_RULE_SET = 200_000


class PublishedVersion(BaseModel):
    rule_set_id: str
    version: str
    council: str
    effective_from: date
    content_hash: str
    published_by: Actor | None = Field(description="None for a file not yet recorded as published (before bootstrap)")
    published_at: datetime | None
    reason: str | None
    used_by_this_council: bool


class PolicyInForce(BaseModel):
    on: date
    council_code: str
    ras_rule_set_id: str = Field(description="The RAS rule set this council's calculations use")
    in_force: list[PublishedVersion] = Field(description="Each rule set's version in force today")
    future: list[PublishedVersion] = Field(description="Versions published to take effect after today")
    service_levels: dict[str, Any]


class NewRuleSet(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "content": 'id = "northmoor-ras"\nversion = "2027.1"\neffective_from = 2027-04-01\n...',
                    "reason": "Cabinet decision of 12 January 2027: price per point up 3% from April",
                }
            ]
        },
    )
    content: str = Field(min_length=1, max_length=LARGEST_RULE_SET, description="The rule set file's TOML text")
    reason: Reason


class CandidateRuleSet(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"content": 'id = "northmoor-ras"\nversion = "2027.1"\neffective_from = 2027-04-01\n...'}]
        },
    )
    content: str = Field(
        min_length=1, max_length=LARGEST_RULE_SET, description="The candidate rule set file's TOML text (not published)"
    )


class PublishedRuleSet(BaseModel):
    duplicate: bool = Field(description="True if exactly this content was already published (nothing recorded)")
    position: int = Field(description="The notification id of the publication (0 for a repeat)")
    publication: PublishedVersion


def _version(rule_set: RuleSet, publication: Publication | None, council_rule_set: str) -> PublishedVersion:
    return PublishedVersion(
        rule_set_id=rule_set.id,
        version=rule_set.version,
        council=rule_set.council,
        effective_from=rule_set.effective_from,
        content_hash=rule_set.content_hash,
        published_by=publication.published_by if publication else None,
        published_at=publication.published_at if publication else None,
        reason=publication.reason if publication else None,
        used_by_this_council=rule_set.id == council_rule_set,
    )


def catalogue_of(app: Backend) -> RuleSetCatalogue:
    catalogue = app.record.services.rule_sets
    if not isinstance(catalogue, RuleSetCatalogue):
        raise TypeError(f"the case record's rule sets are a {type(catalogue).__name__}, not the published catalogue")
    return catalogue


def today() -> date:
    return datetime.now(UTC).date()


@router.get("", summary="The council's rule sets in force today and to come, and its service levels")
async def policy_in_force(user: Reader, app: App) -> PolicyInForce:
    catalogue = catalogue_of(app)
    on = today()

    def read() -> tuple[list[RuleSet], dict[tuple[str, str], Publication]]:
        return catalogue.all(), catalogue.publications()

    rule_sets, publications = await asyncio.to_thread(read)
    ours = app.council.ras_rule_set_id
    in_force: dict[str, RuleSet] = {}
    for rule_set in rule_sets:  # oldest first within each id: the last one on or before today wins
        if rule_set.effective_from <= on:
            in_force[rule_set.id] = rule_set
    return PolicyInForce(
        on=on,
        council_code=app.council.council_code,
        ras_rule_set_id=ours,
        in_force=[_version(r, publications.get((r.id, r.version)), ours) for r in in_force.values()],
        future=[_version(r, publications.get((r.id, r.version)), ours) for r in rule_sets if r.effective_from > on],
        service_levels=app.service_levels.model_dump(mode="json"),
    )


def _question(question: Question) -> dict[str, Any]:
    return {
        "id": question.id,
        "text": question.text,
        "required": question.required,
        "answers": [
            {"code": code, "label": code.replace("_", " ").capitalize(), "points": points}
            for code, points in question.answers.items()
        ],
    }


def _section(section: BaseModel) -> dict[str, Any]:
    body = section.model_dump(mode="json", exclude={"questions"})
    body["questions"] = [_question(q) for q in getattr(section, "questions", ())]
    return body


def ras_for_front_end(rule_set: RuleSet, publication: Publication | None) -> dict[str, Any]:
    """Everything a front end needs to ask a RAS's questions and show how it prices the answers."""
    return {
        "rule_set_id": rule_set.id,
        "version": rule_set.version,
        "council": rule_set.council,
        "effective_from": rule_set.effective_from.isoformat(),
        "content_hash": rule_set.content_hash,
        "published_by": publication.published_by.model_dump(mode="json") if publication else None,
        "published_at": publication.published_at.isoformat() if publication else None,
        "adult": _section(rule_set.adult),
        "carer_neutral": rule_set.carer_neutral.model_dump(mode="json"),
        "carer": _section(rule_set.carer),
        # The values the assessments record beside the answers: what a carer gives, and the impact
        # on a carer's wellbeing (a tiered carer's RAS prices the impact, not answers).
        "carer_support_levels": [level.value for level in CarerSupportLevel],
        "wellbeing_impacts": [impact.value for impact in WellbeingImpact],
    }


@router.get("/ras/{rule_set_id}", summary="A RAS rule set as in force on a day: questions, answers, bands, tiers, caps")
async def ras_in_force(
    rule_set_id: RuleSetIdPath,
    user: Reader,
    app: App,
    on: Annotated[date | None, Query(description="The day (default today)")] = None,
) -> dict[str, Any]:
    catalogue = catalogue_of(app)
    day = on or today()

    def read() -> dict[str, Any]:
        rule_set = catalogue.current(rule_set_id, on=day)
        publications = catalogue.publications()
        return {"on": day.isoformat(), **ras_for_front_end(rule_set, publications.get((rule_set.id, rule_set.version)))}

    return await asyncio.to_thread(read)


@router.post("/rule-sets", status_code=201, summary="Publish a RAS rule set version (admins only)")
async def publish_rule_set(body: NewRuleSet, user: Publisher, app: App, response: Response) -> PublishedRuleSet:
    """Validated as a rule set, refused if it takes effect before today or if its version is already
    published with other content (``rule_set_version_exists``); the same content sent again is
    answered with the first publication and records nothing."""
    actor = Actor(user_id=user.user_id, role=user.role)
    outcome = await asyncio.to_thread(
        app.record.publish_rule_set, _bytes(body.content), actor=actor, reason=body.reason
    )
    published = outcome.publication
    if outcome.duplicate:
        response.status_code = 200
    return PublishedRuleSet(
        duplicate=outcome.duplicate,
        position=max(outcome.notification_ids, default=0),
        publication=_version(published.rule_set(), published, app.council.ras_rule_set_id),
    )


def _bytes(content: str) -> bytes:
    try:
        return content.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput("content: not encodable as UTF-8", code="invalid_rule_set_file", field="content") from None


SIMULATION_FORMATS = {"ndjson": "application/x-ndjson", "csv": "text/csv; charset=utf-8"}


@router.post(
    "/simulations",
    summary="Price the open cases under a candidate rule set, recording nothing (admins, team managers)",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {media: {} for media in SIMULATION_FORMATS.values()},
            "description": "Streamed: a simulation line, a line per case, the totals last (decision 0039)",
        }
    },
)
async def simulate_rule_set(
    body: CandidateRuleSet,
    user: Simulator,
    app: App,
    request: Request,
    format: Annotated[str, Query(pattern="^(ndjson|csv)$", description="ndjson (default) or csv")] = "ndjson",
    on: Annotated[
        date | None, Query(description="The baseline's day: the version in force then (default today)")
    ] = None,
) -> StreamingResponse:
    """Each open case the caller may see (an admin: every open case; a team manager: those their
    need to know covers) priced from its recorded inputs under the version in force and under the
    candidate: per case old, new and the difference with the candidate's explanation, then the
    totals by team, client type and budget band, the cases newly over a cap and the annual cost
    change. Ids and figures only. Nothing is recorded but the one access-log row of the read."""
    scope: dict[str, Any]
    if user.role == Role.ADMIN:
        reach, scope = Reach(every_case=True), {"every_open_case": True}
    else:
        reach = reach_for(user)
        scope = {"every_open_case": False, "teams": list(user.teams), "need_to_know": user.role.value}
    day = on or today()
    prepared = await asyncio.to_thread(
        simulation.prepare, app.record, app.views, _bytes(body.content), reach=reach, scope=scope, on=day
    )
    await asyncio.to_thread(
        app.log.list_read,
        user_id=user.user_id,
        role=user.role.value,
        what="policy_simulation",
        path=request.url.path,
        case_ids=prepared.case_ids,
    )
    stream = simulation.lines(app.record, prepared)
    text = simulation.csv_rows(stream) if format == "csv" else (json.dumps(line) + "\n" for line in stream)
    return StreamingResponse(text, media_type=SIMULATION_FORMATS[format])
