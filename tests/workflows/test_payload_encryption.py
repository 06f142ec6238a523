"""What Temporal stores about a case is ciphertext (decision 0023): a whole case, referral to
closure with a direct payment, through a real dev server keeping its state in an SQLite file, and
then neither the adult's nor the carer's name is anywhere in that file, in any of the forms a
name takes there (UTF-8, UTF-16, base64 of the JSON). Read back through a client without the
codec, the history holds only encrypted payloads; through the codec, the names are there, so the
search would find them if they were stored in the clear."""

from __future__ import annotations

import base64
import json
import subprocess
from collections.abc import AsyncIterator, Iterator
from datetime import date
from pathlib import Path

import pytest
import pytest_asyncio
from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload, SearchAttributes
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client, WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter

from config.bootstrap import connect_temporal
from config.payload_keys import PayloadKeySettings
from config.temporal_settings import TemporalSettings, temporal_binary
from domain.application import CaseRecord
from domain.commands import IdentifyCarer, ReceiveReferral
from tests.builders import ADULT, FINANCE, Scenario
from tests.postgres_cluster import free_port
from tests.workflows.driving import payments_of, plans_signed_off, send, start
from workers.dev_server import dev_server_command, start_dev_server, wait_until_serving
from workers.worker import running_worker
from workflows.case_workflow import ONE_TASK_PER_COMMAND, STAGE_CLOCK_TOOK_EFFECT
from workflows.encryption import ENCODING
from workflows.search_attributes import ALL

ADULT_NAME = "Zebedee Quillfeather"
CARER_NAME = "Marigold Thistlewaite"


def forms_of(text: str) -> list[bytes]:
    """The byte strings that show ``text`` stored in the clear: UTF-8, UTF-16 both ways, and the
    base64 of its JSON string at each of the three alignments it can have inside a longer value."""
    raw = text.encode()
    forms = [raw, text.encode("utf-16-le"), text.encode("utf-16-be")]
    quoted = f'"{text}"'.encode()
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + quoted)
        # Drop the characters that also depend on the bytes before and after the name.
        forms.append(encoded[4 if shift else 0 : -4])
    return forms


def payloads_in(message: Message) -> Iterator[Payload]:
    """Every Payload anywhere in a protobuf message (a history's events hold them at many depths)
    but in search attributes, which the server must read and so are never encoded."""
    if isinstance(message, Payload):
        yield message
        return
    if isinstance(message, SearchAttributes):
        return
    for field, value in message.ListFields():
        if field.type != field.TYPE_MESSAGE:
            continue
        if field.is_repeated:
            is_map = field.message_type.GetOptions().map_entry
            for item in value.values() if is_map else value:
                if isinstance(item, Message):
                    yield from payloads_in(item)
        else:
            yield from payloads_in(value)


def is_patch_marker(event: HistoryEvent) -> bool:
    return event.marker_recorded_event_attributes.marker_name == "core_patch"


LOCAL_ACTIVITY_BOOKKEEPING = {
    "seq",
    "attempt",
    "activity_id",
    "activity_type",
    "complete_time",
    "backoff",
    "original_schedule_time",
    "activation_index",
}


def local_activity_bookkeeping(event: HistoryEvent) -> list[Payload]:
    """The SDK's own record of a local activity (decision 0049), written past the codec: its
    sequence number, attempt, activity id and type and times. The activity's result beside it is
    a payload of ours, and encrypted."""
    marker = event.marker_recorded_event_attributes
    return list(marker.details["data"].payloads) if marker.marker_name == "core_local_activity" else []


def payloads_of_ours(event: HistoryEvent) -> list[Payload]:
    bookkeeping = local_activity_bookkeeping(event)
    return [] if is_patch_marker(event) else [p for p in payloads_in(event) if p not in bookkeeping]


class Server:
    def __init__(self, settings: TemporalSettings, process: subprocess.Popen[bytes]) -> None:
        self.settings, self.process = settings, process

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=20)

    def stored_bytes(self) -> bytes:
        """The database file and its WAL and shared-memory files, as the server left them."""
        files = sorted(self.settings.db_filename.parent.glob(self.settings.db_filename.name + "*"))
        assert files, "the dev server wrote no database file"
        return b"".join(path.read_bytes() for path in files)


@pytest_asyncio.fixture(loop_scope="session")
async def server_on_a_file(tmp_path: Path) -> AsyncIterator[Server]:
    """A dev server as `carecase dev-server` starts one: our search attributes, state in a file."""
    settings = TemporalSettings(
        address=f"127.0.0.1:{free_port()}", ui_port=free_port(), db_filename=tmp_path / "temporal" / "temporal.db"
    )
    settings.db_filename.parent.mkdir()
    binary = temporal_binary()
    server = Server(settings, start_dev_server(dev_server_command(settings, binary=binary), output=subprocess.DEVNULL))
    try:
        wait_until_serving(binary, settings, server.process)
        yield server
    finally:
        server.stop()


async def histories(client: Client, story: Scenario) -> list[WorkflowHistory]:
    case = client.get_workflow_handle(f"case-{story.case_id.hex}")
    return [await case.fetch_history(), await payments_of(client, story.case_id).fetch_history()]


@pytest.mark.workflow_timeout(120)
async def test_no_name_of_a_case_is_stored_in_the_clear_by_temporal(
    server_on_a_file: Server, case_record: CaseRecord, task_queue: str
) -> None:
    keys = PayloadKeySettings.generate("k-test")
    client = await connect_temporal(server_on_a_file.settings, keys)
    story = Scenario()
    named = [
        story.referral(adult_name=ADULT_NAME)
        if isinstance(command, ReceiveReferral)
        else story.identify_carer(name=CARER_NAME)
        if isinstance(command, IdentifyCarer)
        else command
        for command in story.up_to_planning(carers=("carer-1",))
    ]
    async with running_worker(client, case_record, task_queue):
        case = await start(client, story.case_id, task_queue)
        for command in named:
            await send(client, command)
        await plans_signed_off(client, story)
        await send(client, story.agreement(start_date=date.today().isoformat(), amount_per_payment_pence=7 * 2_300 * 4))
        # The agreement ends first, so a social worker may close the case (nothing is left running).
        await send(client, story.end_agreement(reason="support ending", actor=FINANCE))
        await send(client, story.close(reason="needs_met"))
        await case.result()
        await payments_of(client, story.case_id).result()
    state = case_record.get_case(story.case_id).state
    assert state.people[ADULT].name == ADULT_NAME and state.people["carer-1"].name == CARER_NAME

    # Without the codec: every payload in both workflows' histories is ciphertext.
    without_codec = await Client.connect(server_on_a_file.settings.address, data_converter=pydantic_data_converter)
    stored = await histories(without_codec, story)
    payloads = [p for history in stored for event in history.events for p in payloads_of_ours(event)]
    assert len(payloads) > 50
    assert {p.metadata["encoding"] for p in payloads} == {ENCODING}
    bookkeeping = [
        json.loads(p.data) for history in stored for event in history.events for p in local_activity_bookkeeping(event)
    ]
    assert bookkeeping and {b["activity_type"] for b in bookkeeping} == {"record_command"}
    assert all(set(b) <= LOCAL_ACTIVITY_BOOKKEEPING for b in bookkeeping), bookkeeping
    # The SDK writes its patch markers itself, past the codec: they hold a patch's id and nothing else.
    patches = [
        json.loads(p.data)
        for history in stored
        for event in history.events
        if is_patch_marker(event)
        for p in payloads_in(event)
    ]
    assert sorted(patches, key=lambda p: p["id"]) == [
        {"id": ONE_TASK_PER_COMMAND, "deprecated": False},
        {"id": STAGE_CLOCK_TOOK_EFFECT, "deprecated": False},
    ]
    # Search attributes are in the clear, so they are only ours: stages, teams, times, counts, flags;
    upserted = {
        name
        for history in stored
        for event in history.events
        for name in event.upsert_workflow_search_attributes_event_attributes.search_attributes.indexed_fields
    }
    # and the SDK's TemporalChangeVersion, the ids of the patches a run took.
    assert upserted and upserted <= {key.name for key in ALL} | {"TemporalChangeVersion"}
    clear_history = b"".join(event.SerializeToString() for history in stored for event in history.events)
    clear_history += "".join(history.to_json() for history in stored).encode()
    for name in (ADULT_NAME, CARER_NAME):
        assert not [form for form in forms_of(name) if form in clear_history], name

    # With the codec the same payloads hold the names: they passed through Temporal.
    decoded = b"".join(p.SerializeToString() for p in await keys.codec().decode(payloads))
    for name in (ADULT_NAME, CARER_NAME):
        assert [form for form in forms_of(name) if form in decoded], name

    # And the server's database file holds neither, though it does hold what it needs in the clear.
    server_on_a_file.stop()
    on_disk = server_on_a_file.stored_bytes()
    assert f"case-{story.case_id.hex}".encode() in on_disk
    for name in (ADULT_NAME, CARER_NAME):
        assert not [form for form in forms_of(name) if form in on_disk], name
