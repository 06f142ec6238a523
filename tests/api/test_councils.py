"""Two councils in one deployment (decision 0040): each in its own SQLite partition with its own
views and task queue, one keys file. A key of one council finds no case of the other (404, as a
case that does not exist), on every route that names a case; a national auditor reads both, only
naming the council; each council's chain verifies and its views rebuild alone."""

from __future__ import annotations

import threading
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from temporalio.client import Client

from api.access_log import AccessLog
from api.auth import COUNCIL_HEADER
from api.backend import Backend
from api.keys import KeyRing
from api.keys_file import KeysFile
from config.councils import task_queue_of
from domain.application import CaseRecord
from domain.commands import CouncilSettings
from domain.people import Role
from policy.catalogue import RuleSetCatalogue
from projections.catalogue import all_views
from projections.runner import ProjectionRunner
from projections.store import SQLiteViewStore
from tests.api.conftest import CASEWORK_ROLES, CASEWORK_TEAMS
from tests.api.test_lifecycle_over_http import body_of
from tests.api.test_need_to_know import case_routes, like_an_unknown_case
from tests.api.test_roles import PATH_VALUES, QUERY, allowed_roles, body_for
from tests.builders import Scenario
from tests.rule_sets import TEST_COUNCILS
from workers.worker import running_worker
from workflows.case_workflow import case_workflow_id

B = "E06000047"
STAFF = [r for r in Role if r != Role.SYSTEM]


@pytest.fixture
def two_councils_keys(tmp_path: Path) -> tuple[KeyRing, dict[str, str]]:
    """One keys file: every role in the configured council (A) and in council B, on the same team
    names (so no team membership hides B's case from A), and one national auditor."""
    keys = KeysFile(tmp_path / "keys.toml")
    made: dict[str, str] = {}
    for council, tag in ((None, "a"), (B, "b")):
        for role in STAFF:
            teams = CASEWORK_TEAMS if role in CASEWORK_ROLES else ()
            made[f"{tag}:{role.value}"] = keys.add(f"{tag}-{role.value}", role, teams, council=council)[1]
        # The same user id in both councils: user ids are each council's own.
        made[f"{tag}:twin"] = keys.add("sw-twin", Role.SOCIAL_WORKER, CASEWORK_TEAMS, council=council)[1]
    made["national"] = keys.add("nat-auditor", Role.AUDITOR, national=True)[1]
    return KeyRing.load(keys.path), made


@pytest_asyncio.fixture(loop_scope="session")
async def council_b(
    backend: Backend, client: Client, task_queue: str, tmp_path: Path, two_councils_keys: tuple[KeyRing, dict[str, str]]
) -> AsyncIterator[Backend]:
    """Council B beside the suite's backend (council A): its own partition, views and task queue,
    served by a worker of its own record; both backends read the one keys ring."""
    partition = tmp_path / "councils" / B / "carecase.sqlite"
    partition.parent.mkdir(parents=True)
    env = {"PERSISTENCE_MODULE": "eventstore.sqlite", "SQLITE_DBNAME": str(partition), "SQLITE_LOCK_TIMEOUT": "30"}
    council = CouncilSettings(council_code=B)
    record = CaseRecord(env, rule_sets=RuleSetCatalogue(TEST_COUNCILS), council=council)
    runner = ProjectionRunner(record, SQLiteViewStore(str(partition)), all_views(council=council))
    stop = threading.Event()
    thread = threading.Thread(target=runner.run_forever, args=(stop, 0.02), daemon=True)
    thread.start()
    views = SQLiteViewStore(str(partition))
    queue = task_queue_of(task_queue, B)
    ring = two_councils_keys[0]
    try:
        async with running_worker(client, record, queue):
            served = Backend(
                record=record,
                views=views,
                view_names=runner.names,
                log=AccessLog(views),
                keys=ring,
                temporal=client,
                task_queue=queue,
                council=council,
                payload_codec=client.data_converter.payload_codec,
            )
            backend.keys = ring
            backend.councils[B] = served
            yield served
    finally:
        stop.set()
        thread.join(timeout=10)
        runner.store.close()
        views.close()
        record.close()


def as_(token: str, **more: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **more}


async def open_case(http: httpx.AsyncClient, token: str) -> tuple[str, int]:
    answer = await http.post("/cases", json=body_of(Scenario().referral()), headers=as_(token))
    assert answer.status_code == 201, answer.text
    return answer.json()["case_id"], answer.json()["position"]


async def call(http: httpx.AsyncClient, route, case_id: str, token: str) -> httpx.Response:  # type: ignore[no-untyped-def]
    values = {**PATH_VALUES, "case_id": case_id}
    path = route.path.format(**{k: v for k, v in values.items() if "{" + k + "}" in route.path})
    return await http.request(
        sorted(route.methods)[0], path, headers=as_(token), json=body_for(route), params=QUERY.get(route.path, {})
    )


@pytest.mark.workflow_timeout(240)
async def test_a_key_of_one_council_finds_no_case_of_another_on_any_route(
    http: httpx.AsyncClient, backend: Backend, council_b: Backend, two_councils_keys, client: Client
):
    keys = two_councils_keys[1]
    b_case, _ = await open_case(http, keys["b:social_worker"])
    a_case, _ = await open_case(http, keys["a:social_worker"])
    # Each case is in its own council's partition alone, and B's workflow ran on B's task queue.
    assert council_b.record.has_case(uuid.UUID(b_case)) and not backend.record.has_case(uuid.UUID(b_case))
    assert backend.record.has_case(uuid.UUID(a_case)) and not council_b.record.has_case(uuid.UUID(a_case))
    described = await client.get_workflow_handle(case_workflow_id(b_case)).describe()
    assert described.task_queue == council_b.task_queue == task_queue_of(backend.task_queue, B)

    version = council_b.record.get_case(uuid.UUID(b_case)).version
    unknown_id = uuid.UUID(int=11).hex
    routes = case_routes()
    assert len(routes) > 50
    tried = 0
    for route in routes:
        roles = allowed_roles(route)
        assert roles
        for role in sorted(roles):
            token = keys[f"a:{role.value}"]
            refused = await call(http, route, b_case, token)
            unknown = await call(http, route, unknown_id, token)
            label = (sorted(route.methods)[0], route.path, role.value)
            assert like_an_unknown_case(refused, b_case, unknown, unknown_id), (*label, refused.text)
            tried += 1
    assert tried > len(routes)
    assert council_b.record.get_case(uuid.UUID(b_case)).version == version  # nothing written to B's case

    # B's own staff read it; A's case is as unknown to them.
    assert (await http.get(f"/cases/{b_case}", headers=as_(keys["b:social_worker"]))).status_code == 200
    assert (await http.get(f"/cases/{a_case}", headers=as_(keys["b:auditor"]))).status_code == 404

    # Each council's chains verify alone: its own cases (and its policy streams), none of the other's.
    b_chains = {r.case_id for r in council_b.record.verify_all_chains() if r.intact}
    a_chains = {r.case_id for r in backend.record.verify_all_chains() if r.intact}
    assert uuid.UUID(b_case).hex in b_chains and uuid.UUID(a_case).hex not in b_chains
    assert uuid.UUID(a_case).hex in a_chains and uuid.UUID(b_case).hex not in a_chains


@pytest.mark.workflow_timeout(180)
async def test_a_national_auditor_reads_each_council_only_by_naming_it_and_never_writes(
    http: httpx.AsyncClient, backend: Backend, council_b: Backend, two_councils_keys
):
    keys = two_councils_keys[1]
    b_case, _ = await open_case(http, keys["b:social_worker"])
    a_case, _ = await open_case(http, keys["a:social_worker"])
    national = keys["national"]
    a_code = backend.council.council_code

    timeline = await http.get(f"/cases/{b_case}/timeline", headers=as_(national, **{COUNCIL_HEADER: B}))
    assert timeline.status_code == 200, timeline.text
    read_a = await http.get(f"/audit/cases/{a_case}/verify", headers=as_(national, **{COUNCIL_HEADER: a_code}))
    assert read_a.status_code == 200 and read_a.json()["intact"] is True
    # Named the wrong council, the case is not there; named none, or one not served, refused.
    wrong = await http.get(f"/cases/{b_case}/timeline", headers=as_(national, **{COUNCIL_HEADER: a_code}))
    assert (wrong.status_code, wrong.json()["code"]) == (404, "unknown_case")
    unnamed = await http.get(f"/cases/{b_case}/timeline", headers=as_(national))
    assert (unnamed.status_code, unnamed.json()["code"], unnamed.json()["field"]) == (
        422,
        "council_not_named",
        COUNCIL_HEADER,
    )
    elsewhere = await http.get(f"/cases/{b_case}/timeline", headers=as_(national, **{COUNCIL_HEADER: "E10000999"}))
    assert (elsewhere.status_code, elsewhere.json()["code"]) == (404, "unknown_council")
    write = await http.post("/cases", json=body_of(Scenario().referral()), headers=as_(national, **{COUNCIL_HEADER: B}))
    assert write.status_code == 403
    # An auditor of one council, naming the other, still reads only its own.
    own = await http.get(f"/cases/{b_case}/timeline", headers=as_(keys["a:auditor"], **{COUNCIL_HEADER: B}))
    assert own.status_code == 404
    # A key of a council this deployment does not serve admits nobody.
    del backend.councils[B]
    try:
        orphan = await http.get(f"/cases/{b_case}/timeline", headers=as_(keys["b:auditor"]))
        assert orphan.status_code == 401
    finally:
        backend.councils[B] = council_b


@pytest.mark.workflow_timeout(180)
async def test_an_admin_sees_and_changes_only_their_own_councils_keys(
    http: httpx.AsyncClient, backend: Backend, council_b: Backend, two_councils_keys
):
    keys = two_councils_keys[1]
    listed = await http.get("/admin/keys", headers=as_(keys["b:admin"]))
    assert listed.status_code == 200
    users = {item["user_id"] for item in listed.json()["items"]}
    assert users == {k.user_id for k in two_councils_keys[0].keys if k.council == B}
    assert "b-admin" in users and not any(user.startswith("a-") for user in users)
    issued = await http.post(
        "/admin/keys", json={"user_id": "b-new", "role": "ops", "reason": "new starter"}, headers=as_(keys["b:admin"])
    )
    assert issued.status_code == 201, issued.text
    a_key = next(k for k in two_councils_keys[0].keys if k.user_id == "a-ops")
    revoke = await http.post(
        f"/admin/keys/{a_key.key_id}/revoke", json={"reason": "not yours"}, headers=as_(keys["b:admin"])
    )
    assert (revoke.status_code, revoke.json()["code"]) == (404, "unknown_key")
    new = next(k for k in two_councils_keys[0].keys if k.user_id == "b-new")
    assert new.council == B
    assert (await http.get("/ops/counts", headers=as_(issued.json()["token"]))).status_code == 200


@pytest.mark.workflow_timeout(180)
async def test_the_same_user_id_and_idempotency_key_in_two_councils_open_two_cases_each_in_its_own(
    http: httpx.AsyncClient, backend: Backend, council_b: Backend, two_councils_keys
):
    keys = two_councils_keys[1]
    opened = {}
    idempotency_key = f"referral-{uuid.uuid4().hex}"  # one per run: the dev server outlives a test
    for tag in ("a", "b"):
        headers = as_(keys[f"{tag}:twin"], **{"Idempotency-Key": idempotency_key})
        answer = await http.post("/cases", json=body_of(Scenario().referral()), headers=headers)
        assert answer.status_code == 201, answer.text
        opened[tag] = uuid.UUID(answer.json()["case_id"])
    assert opened["a"] != opened["b"]
    assert backend.record.has_case(opened["a"]) and not backend.record.has_case(opened["b"])
    assert council_b.record.has_case(opened["b"]) and not council_b.record.has_case(opened["a"])
