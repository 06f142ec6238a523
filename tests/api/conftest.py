"""The API in front of a real Temporal dev server, a real worker, a real SQLite case record and a
projection runner polling in a thread, called through HTTP (httpx on the ASGI app)."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from api.access_log import AccessLog
from api.app import create_app
from api.backend import Backend
from api.keys import KeyRing, add_key
from config.settings import Settings
from domain.application import CaseRecord
from domain.people import Role
from domain.service_levels import ServiceLevels
from projections.catalogue import all_views
from projections.runner import ProjectionRunner
from projections.store import SQLiteViewStore

HERE = Path(__file__).parent
CASEWORK_TEAMS = ("east-locality", "west-locality")
CASEWORK_ROLES = (Role.SOCIAL_WORKER, Role.TEAM_MANAGER)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.api)


@pytest.fixture(scope="session")
def tokens(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """One key per staff role, made the way `carecase keys add` makes them. The social worker and
    the team manager work on the two teams the tests refer cases to (need to know)."""
    path = tmp_path_factory.mktemp("keys") / "api-keys.toml"
    made = {
        role.value: add_key(
            path, f"{role.value.replace('_', '-')}-1", role, CASEWORK_TEAMS if role in CASEWORK_ROLES else ()
        )
        for role in Role
        if role != Role.SYSTEM
    }
    return path, made


@pytest.fixture
def published_council(request: pytest.FixtureRequest, tmp_path: Path) -> Settings | None:
    """A test may run the views and the workflows on a council configuration, as a process does:
    @pytest.mark.council_configuration("[service_levels.stage_days]\nassessment = 1\n")."""
    marker = request.node.get_closest_marker("council_configuration")
    if marker is None:
        return None
    folder = tmp_path / "policy" / "testshire"
    folder.mkdir(parents=True)
    (folder / "council.toml").write_text(marker.args[0], encoding="utf-8")
    return Settings.from_environment({"CARECASE_POLICY_FOLDER": str(folder.parent), "CARECASE_COUNCIL": "testshire"})


@pytest.fixture
def views_running(
    case_record: CaseRecord,
    sqlite_env: dict[str, str],
    request: pytest.FixtureRequest,
    published_council: Settings | None,
) -> Iterator[ProjectionRunner]:
    # A test may shorten the views' service levels: @pytest.mark.service_levels(stage_limits={...}).
    marker = request.node.get_closest_marker("service_levels")
    levels = ServiceLevels(**marker.kwargs) if marker else ServiceLevels()
    if published_council is not None:
        levels = published_council.service_levels
    runner = ProjectionRunner(case_record, SQLiteViewStore(sqlite_env["SQLITE_DBNAME"]), all_views(levels))
    stop = threading.Event()
    thread = threading.Thread(target=runner.run_forever, args=(stop, 0.02), daemon=True)
    thread.start()
    try:
        yield runner
    finally:
        stop.set()
        thread.join(timeout=10)
        runner.store.close()


@pytest.fixture
def backend(
    case_record: CaseRecord,
    sqlite_env: dict[str, str],
    temporal_env: WorkflowEnvironment,
    client: Client,
    task_queue: str,
    worker: Worker,
    views_running: ProjectionRunner,
    tokens: tuple[Path, dict[str, str]],
    published_council: Settings | None,
) -> Iterator[Backend]:
    views = SQLiteViewStore(sqlite_env["SQLITE_DBNAME"])
    # Only a published council's service levels reach the workflows (which flag what is overdue);
    # the service_levels marker shortens the views' alone.
    levels = {"service_levels": published_council.service_levels} if published_council else {}
    wired = Backend(
        record=case_record,
        views=views,
        view_names=views_running.names,
        log=AccessLog(views),
        keys=KeyRing.load(tokens[0]),
        temporal=client,
        task_queue=task_queue,
        payload_codec=client.data_converter.payload_codec,
        **levels,
    )
    try:
        # Real time, as in production: no service-level timer is anywhere near firing in a test.
        with temporal_env.with_time_skipping_disabled():
            yield wired
    finally:
        views.close()


@pytest_asyncio.fixture(loop_scope="session")
async def http(backend: Backend) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(backend))
    async with httpx.AsyncClient(transport=transport, base_url="http://carecase.test", timeout=60) as client:
        yield client
