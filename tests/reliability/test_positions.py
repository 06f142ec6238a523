"""Honest positions. A command's ``position`` covers every event its update recorded, the case's
own follow-on events included (a review scheduled at sign-off, or with a direct payment
agreement), so a read after it sees all of them; and every read reports the position it actually
read at, taken in the same snapshot as its rows, so what it shows is exactly the case as of then."""

from __future__ import annotations

import time
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from eventsourcing.utils import get_topic

from api.backend import Backend
from domain.case.aggregate import Case
from projections.runner import ProjectionRunner
from projections.store import ViewCursor, view_store_from_env
from tests.builders import ADULT, Scenario
from tests.reliability.steps import auth, notifications_of, post, run

REVIEW_SCHEDULED = get_topic(Case.ReviewScheduled)


def to_sign_off(s: Scenario) -> list[Any]:
    """A case of one adult (no carers) up to the sign-off of their plan, which is not sent."""
    return s.up_to_planning(carers=()) + [s.draft(), s.submit()]


async def read_case(http: httpx.AsyncClient, tokens, case_id: str, position: int) -> dict[str, Any]:
    response = await http.get(
        f"/cases/{case_id}", params={"min_position": position}, headers=auth(tokens, "social_worker")
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_sign_off_answers_a_position_that_covers_the_review_it_scheduled(
    http: httpx.AsyncClient, tokens, backend: Backend
):
    s = Scenario()
    case_id, _ = await run(http, tokens, to_sign_off(s))
    signed = await post(http, tokens, s.sign_off(), case_id)
    assert signed.status_code == 200, signed.text
    answer = signed.json()
    assert [e["type"] for e in answer["events"]] == ["SignOffDecisionRecorded"]

    # The update recorded the review before it answered: its position is in the answer.
    log = notifications_of(backend, case_id)
    [review] = [n for n in log if n[2] == REVIEW_SCHEDULED]
    assert review[1] > answer["events"][-1]["version"]
    assert answer["position"] >= review[0]
    assert answer["position"] >= max(n[0] for n in log)  # nothing else writes to this case yet

    view = await read_case(http, tokens, case_id, answer["position"])
    assert view["case"]["version"] == len(log) and view["case"]["next_review_due"] is not None
    assert ("review", "social_worker") in {(w["kind"], w["role"]) for w in view["work"]}


async def test_a_direct_payment_agreement_answers_a_position_that_covers_its_review(
    http: httpx.AsyncClient, tokens, backend: Backend
):
    s = Scenario()
    case_id, _ = await run(http, tokens, to_sign_off(s) + [s.sign_off()])
    today = datetime.now(UTC).date().isoformat()
    agreed = await post(http, tokens, s.agreement(start_date=today), case_id)
    assert agreed.status_code == 200, agreed.text
    answer = agreed.json()
    made = answer["events"][-1]["version"]
    reviews = [n for n in notifications_of(backend, case_id) if n[2] == REVIEW_SCHEDULED and n[1] > made]
    assert reviews, "the agreement schedules the direct payment review in the same update"
    assert answer["position"] >= reviews[0][0]
    view = await read_case(http, tokens, case_id, answer["position"])
    assert view["case"]["version"] >= reviews[0][1]


class WriteBetweenPositionAndRows:
    """The interleaving the old reads lost to, made to happen every time: just before the views
    are read (the ``skip``-th read of a request after it is armed), another command is recorded
    on the case and the views apply it. A read that took its position, or some of its rows, before
    that point reports a position, or rows, older than the rest of what it shows."""

    def __init__(self, backend: Backend, runner: ProjectionRunner, s: Scenario) -> None:
        self.backend, self.runner, self.s = backend, runner, s
        self.real_read = backend.views.read
        self.armed, self.skip, self.carers, self.case_id = False, 0, 0, ""

    def arm(self, case_id: str, skip: int = 0) -> None:
        self.armed, self.skip, self.case_id = True, skip, case_id

    def read(self) -> AbstractContextManager[ViewCursor]:
        if self.armed and self.skip:
            self.skip -= 1
        elif self.armed:
            self.armed = False
            self.carers += 1
            outcome = self.backend.record.handle(
                self.s.identify_carer(f"carer-late-{self.carers}", case_id=self.case_id)
            )
            wanted = outcome.last_notification_id or 0
            deadline = time.monotonic() + 10
            while min(self.runner.positions().values()) < wanted:
                assert time.monotonic() < deadline, "the views never applied the write"
                time.sleep(0.005)
        return self.real_read()


@pytest.fixture
def interleave(
    backend: Backend, views_running: ProjectionRunner, monkeypatch: pytest.MonkeyPatch
) -> WriteBetweenPositionAndRows:
    hook = WriteBetweenPositionAndRows(backend, views_running, Scenario())
    monkeypatch.setattr(backend.views, "read", hook.read)
    return hook


def version_at(backend: Backend, case_id: str, position: int) -> int:
    """The case's version as of a position of the store's log."""
    return sum(1 for n in notifications_of(backend, case_id) if n[0] <= position)


@pytest.mark.parametrize(
    "path, role",
    [
        ("/cases/{case_id}", "social_worker"),
        ("/cases/{case_id}/timeline", "auditor"),
        ("/cases/{case_id}/ledger", "team_manager"),  # finance see it once it has money in it
        ("/cases", "team_manager"),
        ("/worklists/teams/east-locality", "team_manager"),
        ("/ops/counts", "ops"),
    ],
)
async def test_every_read_reports_the_position_its_rows_were_read_at(
    path: str, role: str, http: httpx.AsyncClient, tokens, backend: Backend, interleave: WriteBetweenPositionAndRows
):
    s = interleave.s
    case_id, answer = await run(http, tokens, [s.referral(), s.screen()])
    interleave.arm(case_id)
    response = await http.get(
        path.format(case_id=case_id), params={"min_position": answer["position"]}, headers=auth(tokens, role)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert not interleave.armed, f"{path} did not read the views"
    # The write landed before the rows were read, so the position they were read at includes it.
    latest = max(n[0] for n in notifications_of(backend, case_id))
    assert body["position"] >= latest > answer["position"]
    if "case" in body:
        assert body["case"]["version"] == version_at(backend, case_id, body["position"])
    if path.endswith("/timeline"):
        assert len(body["items"]) == version_at(backend, case_id, body["position"])


async def test_a_case_read_is_one_snapshot(
    http: httpx.AsyncClient, tokens, backend: Backend, interleave: WriteBetweenPositionAndRows
):
    """The case row, its people and its work come from one instant: a carer recorded while the
    case is being read is in all of them or in none of them."""
    s = interleave.s
    case_id, answer = await run(http, tokens, [s.referral(), s.screen()])
    interleave.arm(case_id, skip=1)  # after the first read of the views, if the request makes a second
    body = await read_case(http, tokens, case_id, answer["position"])
    interleave.armed = False
    carers = {p["person_id"] for p in body["people"]} - {ADULT}
    assert body["case"]["carers_identified"] == len(carers)
    assert body["case"]["version"] == version_at(backend, case_id, body["position"])


@pytest.mark.postgres
def test_a_read_of_the_postgres_views_is_one_snapshot(postgres_env: dict[str, str]):
    """On PostgreSQL a read transaction must not see a batch the runner commits half way through
    it (READ COMMITTED would: each statement its own snapshot); a write transaction still sees it."""
    reader, writer = view_store_from_env(postgres_env), view_store_from_env(postgres_env)
    try:
        with writer.transaction() as cursor:
            writer.set_position(cursor, "current_case", 5)
        with reader.read() as cursor:
            assert reader.position("current_case", cursor) == 5
            with writer.transaction() as other:
                writer.set_position(other, "current_case", 9)
            assert reader.position("current_case", cursor) == 5
        with reader.read() as cursor:
            assert reader.position("current_case", cursor) == 9
    finally:
        reader.close()
        writer.close()
