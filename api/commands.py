"""Every command of the case record as an endpoint: POST the command's fields, get the events back.

``POST /cases`` receives a referral and opens a case; every other command is
``POST /cases/{case_id}/<command-in-kebab-case>``. The caller's identity comes from the API key
(never the body), and the case's workflow runs the command as an update: refused by its
validator (409/422, nothing written) or recorded and answered with the appended events and the
notification position to read after (covering the events the case's workflow recorded because
of it, too: the review scheduled at sign-off, say).

``Idempotency-Key`` makes a retry safe, exactly. The key becomes the command id, and the case
record keeps a digest of every command it recorded under its id, so the record itself decides,
across restarts and workflow runs: the same key with the same body gets the first answer with
``duplicate: true`` and appends nothing; the same key with anything else (another body, another
command) is refused, 409 ``idempotency_key_reused``, and appends nothing either. A key names a
request on one case: ``POST /cases`` derives the new case's id from the caller and the key.

Temporal's own dedup of update ids is not relied on for this: it lasts one workflow run and would
answer a repeat with the first result verbatim (``duplicate: false``) without looking at the
body. So each request is its own update, and the workflow and the record see every repeat.
"""

# No `from __future__ import annotations` here: the endpoints are made at run time and FastAPI
# reads their annotations as objects.

import asyncio
import re
import uuid
from typing import Annotated, Any, NoReturn

import structlog
from fastapi import APIRouter, Depends, Header
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model
from temporalio.service import RPCError, RPCStatusCode

from api.auth import allow, backend
from api.backend import Backend
from api.errors import status_of
from api.examples import command_examples
from api.keys import ApiUser
from api.need_to_know import CaseId, OpenedCase, case_actor, refuse_referral_outside_teams
from api.roles import COMMAND_ROLES
from domain.commands import COMMANDS, CaseCommand
from domain.errors import DomainError, RuleViolation
from workflows.client import send_command, start_case

CALLER_FIELDS = {"case_id", "command_id", "actor"}
KEY_NAMESPACE = uuid.UUID("6f1c2a4e-8d1b-4c59-9a57-2f4c1d7e0b11")
KEY_HEADER = "Idempotency-Key"

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=60,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$",
        description="Your id for this request: a retry with the same key returns the first answer and records nothing",
    ),
]


class AppendedEvent(BaseModel):
    event_id: str = Field(description="<case id>/<version>: unique and stable")
    type: str
    version: int
    position: int | None = Field(description="The event's notification id in the store's log")


class CommandResult(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "case_id": "00000000000040008000000000000001",
                "command": "ScreenReferral",
                "command_id": "api:screen-1",
                "duplicate": False,
                "stage": "assessment",
                "position": 42,
                "events": [
                    {
                        "event_id": "00000000000040008000000000000001/2",
                        "type": "ReferralScreened",
                        "version": 2,
                        "position": 42,
                    }
                ],
            }
        }
    )

    case_id: str
    command: str
    command_id: str
    duplicate: bool = Field(description="True when this repeats a recorded command: nothing new was appended")
    stage: str
    position: int = Field(description="Read after this position (min_position) to see the command in every view")
    events: list[AppendedEvent]


def path_for(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def body_model(command: type[CaseCommand], example: dict[str, Any]) -> type[BaseModel]:
    fields: dict[str, Any] = {
        name: (info.annotation, info) for name, info in command.model_fields.items() if name not in CALLER_FIELDS
    }
    return create_model(  # type: ignore[call-overload,no-any-return]
        f"{command.__name__}Request",
        __config__=ConfigDict(extra="forbid", json_schema_extra={"examples": [example]}),
        __doc__=(command.__doc__ or f"The fields of {command.__name__}."),
        **fields,
    )


async def run_command(
    backend: Backend, user: ApiUser, case_id: uuid.UUID, name: str, fields: dict[str, Any], key: str | None
) -> CommandResult:
    """Send the command and answer it, counting its outcome for /metrics; a refusal is logged with
    its code (never its message, which may quote what was sent)."""
    try:
        result = await _send(backend, user, case_id, name, fields, key)
    except DomainError as error:
        if status_of(error) >= 500:
            backend.metrics.command_failed(name)
            raise
        backend.metrics.command_refused(name, error.code)
        structlog.get_logger("carecase.api").warning(
            "command_refused",
            case_id=case_id.hex,
            command=name,
            command_id=f"api:{key}" if key is not None else None,
            actor=user.user_id,
            role=user.role.value,
            code=error.code,
            field=error.field,
        )
        raise
    except BaseException:
        backend.metrics.command_failed(name)
        raise
    backend.metrics.command_answered(name, duplicate=result.duplicate)
    return result


async def _send(
    backend: Backend, user: ApiUser, case_id: uuid.UUID, name: str, fields: dict[str, Any], key: str | None
) -> CommandResult:
    payload = {**fields, "actor": {"user_id": user.user_id, "role": user.role.value}}
    update_id = None
    if key is not None:
        payload["command_id"] = f"api:{key}"
        # Unique per request (see the module's docstring); the key is in it for whoever reads history.
        update_id = f"{name}:{key}:{uuid.uuid4().hex}"
    if COMMANDS[name].creates_case:
        # A referral sent again after its case was opened is answered by the record alone: starting
        # the workflow again for a case that is closed would begin a fresh run of it.
        repeat = await _repeat_in_record(backend, case_id, name, payload, key) if key is not None else None
        if repeat is not None:
            return repeat
        await start_case(
            backend.temporal,
            case_id,
            backend.task_queue,
            council=backend.council,
            service_levels=backend.service_levels,
        )
    try:
        accepted = await send_command(backend.temporal, case_id, name, payload, update_id=update_id)
    except DomainError as error:
        if key is not None and error.code == "command_id_reused":
            raise _key_reused(key, payload["command_id"]) from None
        raise
    except RPCError as error:
        if error.status != RPCStatusCode.NOT_FOUND:
            raise
        # No running workflow. A repeat of a command the case recorded before its workflow ended
        # (the closing command itself, retried) still gets its first answer from the record.
        repeat = await _repeat_in_record(backend, case_id, name, payload, key) if key is not None else None
        if repeat is not None:
            return repeat
        _refuse_missing(backend, case_id)
    positions = accepted.notification_ids
    events = [
        AppendedEvent(
            event_id=f"{case_id.hex}/{version}",
            type=kind,
            version=version,
            position=positions[i] if i < len(positions) else None,
        )
        for i, (kind, version) in enumerate(zip(accepted.event_types, accepted.versions, strict=True))
    ]
    # The update's own position covers what the process recorded because of the command. A repeat
    # recorded nothing now, and the record does not say where its first events went in the log:
    # the log's end covers them and everything the process recorded after them.
    position = max([accepted.position, *positions])
    if accepted.duplicate or not position:
        position = max(position, backend.record.last_position())
    return CommandResult(
        case_id=case_id.hex,
        command=name,
        command_id=accepted.command_id,
        duplicate=accepted.duplicate,
        stage=accepted.stage,
        position=position,
        events=events,
    )


def _key_reused(key: str, command_id: str) -> RuleViolation:
    return RuleViolation(
        f"{KEY_HEADER} {key!r} was already used for a different request on this case (another body or "
        "another command); nothing was recorded. Send a new key for a new request",
        code="idempotency_key_reused",
        field=KEY_HEADER,
        details={"command_id": command_id},
    )


async def _repeat_in_record(
    backend: Backend, case_id: uuid.UUID, name: str, payload: dict[str, Any], key: str
) -> CommandResult | None:
    """The first answer to a command the case record already holds under this command id, marked
    a duplicate; None if the record has no command under the id. The same id with anything else is
    refused: the record's own check (``CaseRecord.repeat_of``)."""
    command_id = payload["command_id"]
    try:
        command = COMMANDS[name].model_validate({**payload, "case_id": case_id})
    except ValidationError:
        # Not a command at all, so not one the record holds: refused if the id is taken, else new.
        if await asyncio.to_thread(_holds_command_id, backend, case_id, command_id):
            raise _key_reused(key, command_id) from None
        return None
    try:
        repeat = await asyncio.to_thread(backend.record.repeat_of, command)
    except RuleViolation as error:
        if error.code == "command_id_reused":
            raise _key_reused(key, command_id) from None
        raise
    if repeat is None:
        return None
    stage = (await asyncio.to_thread(backend.record.get_case, case_id)).state.stage.value
    return CommandResult(
        case_id=case_id.hex,
        command=name,
        command_id=command_id,
        duplicate=True,
        stage=stage,
        position=backend.record.last_position(),
        events=[
            AppendedEvent(event_id=f"{case_id.hex}/{e.version}", type=e.type, version=e.version, position=None)
            for e in repeat.events
        ],
    )


def _holds_command_id(backend: Backend, case_id: uuid.UUID, command_id: str) -> bool:
    return backend.record.holds_command(case_id, command_id)


def _refuse_missing(backend: Backend, case_id: uuid.UUID) -> NoReturn:
    """No running workflow: either the case was never opened (404), or it is closed and its
    workflow done (409)."""
    backend.require_case(case_id)
    raise RuleViolation("the case is closed; nothing more can be recorded on it", code="case_closed")


def _fields(body: object) -> dict[str, Any]:
    """The fields the client sent. (The endpoints' body type is the command's model, chosen at run
    time, which the type checker cannot follow; FastAPI has already validated it.)"""
    assert isinstance(body, BaseModel)
    return body.model_dump(mode="json", exclude_unset=True)


def _endpoint(name: str, model: type[BaseModel], creates: bool) -> Any:
    if creates:
        guard = allow(COMMAND_ROLES[name])

        async def open_case(
            body: model,  # type: ignore[valid-type]
            user: Annotated[ApiUser, Depends(guard)],
            app: Annotated[Backend, Depends(backend)],
            idempotency_key: IdempotencyKey = None,
        ) -> CommandResult:
            fields = _fields(body)
            refuse_referral_outside_teams(user, fields["team"])
            # A retried referral with the same key must reach the same case, so the id derives from it;
            # a registered council's user ids are its own, so its council is in it too (decision 0040).
            who = user.user_id if user.council is None else f"{user.council}/{user.user_id}"
            case_id = uuid.uuid5(KEY_NAMESPACE, f"{who}:{idempotency_key}") if idempotency_key else uuid.uuid4()
            return await run_command(app, user, case_id, name, fields, idempotency_key)

        return open_case

    # Need to know: a case outside the caller's reach answers 404, as one that does not exist.
    actor = case_actor(COMMAND_ROLES[name], name)

    async def command(
        body: model,  # type: ignore[valid-type]
        opened: Annotated[OpenedCase, Depends(actor)],
        app: Annotated[Backend, Depends(backend)],
        case_id: CaseId,
        idempotency_key: IdempotencyKey = None,
    ) -> CommandResult:
        return await run_command(app, opened.user, case_id, name, _fields(body), idempotency_key)

    return command


def command_router() -> APIRouter:
    router = APIRouter(tags=["commands"])
    examples = command_examples()
    for name, roles in COMMAND_ROLES.items():
        command = COMMANDS[name]
        model = body_model(command, examples[name])
        creates = command.creates_case
        path = "/cases" if creates else f"/cases/{{case_id}}/{path_for(name)}"
        summary = " ".join(re.findall(r"[A-Z][a-z]*", name)).capitalize()
        router.add_api_route(
            path,
            _endpoint(name, model, creates),
            methods=["POST"],
            response_model=CommandResult,
            status_code=201 if creates else 200,
            name=name,
            summary=summary,
            description=f"{(command.__doc__ or '').strip()}\n\nRoles: {', '.join(sorted(r.value for r in roles))}.",
            responses={
                409: {
                    "description": "The case record refuses it now (reason code in `code`), or the "
                    "Idempotency-Key was used for a different request (`idempotency_key_reused`)"
                },
                422: {"description": "A field breaks its rule (named in `field`)"},
                404: {"description": "No such case"},
            },
        )
    return router
