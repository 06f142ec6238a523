"""An API started before any projection runner has run (a deployment's processes start in any
order) answers from empty views: a list is empty, a case is not found, /health says position 0;
never a 500 on tables that are not there yet (found by hand: every read was a 500)."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
from temporalio.client import Client

from api.app import create_app
from config.bootstrap import build_backend
from config.settings import Settings
from domain.application import CaseRecord
from policy.catalogue import RuleSetCatalogue
from tests.rule_sets import TEST_COUNCILS


async def test_the_api_answers_before_any_view_is_built(
    tmp_path: Path, client: Client, task_queue: str, tokens: tuple[Path, dict[str, str]]
) -> None:
    settings = Settings.from_environment({"CARECASE_SQLITE_PATH": str(tmp_path / "var" / "carecase.sqlite")})
    record = CaseRecord(settings.store_env(), rule_sets=RuleSetCatalogue(TEST_COUNCILS))
    try:
        backend = build_backend(record, client, settings, task_queue, tokens[0])
        backend.position_patience_seconds = 0.5
        worker = {"Authorization": f"Bearer {tokens[1]['social_worker']}"}
        transport = httpx.ASGITransport(app=create_app(backend))
        async with httpx.AsyncClient(transport=transport, base_url="http://carecase.test") as http:
            listed = await http.get("/cases", headers=worker)
            assert listed.status_code == 200, listed.text
            assert listed.json()["items"] == []
            unknown = await http.get(f"/cases/{uuid.UUID(int=5).hex}", headers=worker)
            assert (unknown.status_code, unknown.json()["code"]) == (404, "unknown_case")
            health = await http.get("/health")
            assert health.status_code == 200 and health.json()["views_position"] == 0
    finally:
        record.close()
