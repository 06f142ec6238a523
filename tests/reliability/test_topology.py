"""The production topology as processes on this machine: PostgreSQL, a Temporal server, two workers,
two API servers and a projection runner, each its own OS process on loopback (deploy/compose.yaml
runs the same commands in containers).

Ten careful clients take cases from referral to a direct payment through both APIs (each sends to
its own server, reads its writes back through the other, and moves to the other when its own does
not answer). Mid-load one worker and one API server are SIGKILLed and started again. Then
everything the crash test checks holds (``_check``: every acknowledged command recorded exactly
once under its key, every chain intact, every payment slot paid at most once, no case quarantined,
the views at each case's stored version), and also:

- both API servers give every case at the same version when read with ``min_position``;
- the views equal a rebuild from the first event;
- no read was ever told the views were behind. The projection runner polls once a minute here:
  only LISTEN/NOTIFY can keep the views within the API's patience of the writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import httpx
import pytest

from domain.application import CaseRecord
from policy.catalogue import RuleSetCatalogue
from projections.store import view_store_from_env
from tests.projections.story import dump, runner
from tests.reliability.processes import Outage, Stack
from tests.reliability.test_crash_under_load import ROLES, Load, _crash_under_load
from tests.rule_sets import TEST_COUNCILS

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

KILLS = (("worker-1", 0.25), ("api-1", 0.55))
POLL_SECONDS = 60.0  # the runner's fallback poll: far beyond the API's patience for min_position


@pytest.fixture
def topology(tmp_path: Path, postgres_env: dict[str, str]) -> Iterator[Stack]:
    stack = Stack.in_folder(tmp_path, ROLES, postgres=postgres_env, workers=2, apis=2, poll_interval=POLL_SECONDS)
    try:
        stack.start()
        yield stack
    finally:
        stack.close()


async def test_two_workers_and_two_apis_on_postgresql_lose_nothing_when_one_of_each_is_killed(
    topology: Stack,
) -> None:
    load, outages = Load(), list[Outage]()
    try:
        versions = await _crash_under_load(topology, load, outages, KILLS)
        await _both_apis_agree(topology, versions)
    except BaseException:
        print(
            f"\nAfter {load.now():.1f} s: {len(load.acknowledged)} command(s) acknowledged, retries "
            f"{dict(load.retries)}; the kills: {[(o.name, o.acknowledged_before) for o in outages]}"
            f"\nThe processes' logs (in {topology.folder}), their ends:\n{topology.tails()}"
        )
        raise
    behind = {why: n for why, n in load.retries.items() if "views_behind" in why}
    assert not behind, f"reads told the views were behind (the runner was not woken by the appends): {behind}"

    # The views equal a rebuild, once nothing else writes them.
    for service in topology.of_kind("api") + topology.of_kind("projections"):
        service.close()
    record = CaseRecord(topology.store_env(), rule_sets=RuleSetCatalogue(TEST_COUNCILS))
    views = view_store_from_env(topology.store_env())
    try:
        followed = dump(views)
        rebuilt = runner(record, views)
        rebuilt.rebuild()
        assert dump(views) == followed
    finally:
        views.close()
        record.close()


async def _both_apis_agree(stack: Stack, versions: dict[UUID, int]) -> None:
    reader = {"Authorization": f"Bearer {stack.tokens['social_worker']}"}
    record = CaseRecord(stack.store_env(), rule_sets=RuleSetCatalogue(TEST_COUNCILS))
    try:
        last = record.last_position()
    finally:
        record.close()
    for url in stack.api_urls:
        async with httpx.AsyncClient(base_url=url) as http:
            for case_id, version in versions.items():
                answer = await http.get(
                    f"/cases/{case_id.hex}",
                    params={"min_position": last},
                    headers=reader,
                    timeout=30,
                )
                assert answer.status_code == 200, (url, case_id, answer.text[:500])
                assert answer.json()["case"]["version"] == version, (url, case_id)
