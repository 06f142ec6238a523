"""Signed checkpoints anchor the store from outside: what the hash chains alone cannot catch is named.

Story: three cases are recorded, two of them paid. ``carecase audit checkpoint`` signs every case's
chain head into the checkpoint log. Then, each on its own copy of the store, someone with write
access to the database tampers: flips a byte, removes a case's last event with its index and
outbox rows, removes it but forgets the outbox row, rewrites an event and recomputes every later
hash, or removes a whole case. ``carecase audit verify`` names each, by case id and what is wrong.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest

from domain.application import CaseRecord
from policy.catalogue import RuleSetCatalogue
from tests.builders import Scenario
from tests.cli.tamper import Tamperer
from tests.clock import SteppingClock
from tests.rule_sets import TEST_COUNCILS

ROOT = Path(__file__).parents[2]


def carecase(site: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The command line in ``site``: its store, and its checkpoint log and dev key under var/."""
    environ = dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        CARECASE_LOG_LEVEL="warning",
        CARECASE_SQLITE_PATH=str(site / "store.sqlite"),
        CARECASE_CHECKPOINT_DIR=str(site / "var/checkpoints"),
        **env,
    )
    return subprocess.run(
        [sys.executable, "-m", "workers.cli", *args], cwd=site, env=environ, capture_output=True, text=True, timeout=180
    )


def paid(record: CaseRecord, slots: int) -> Scenario:
    """A case through assessment, planning, sign-off and agreement, with ``slots`` payments issued."""
    s = Scenario()
    for command in s.up_to_planning():
        record.handle(command)
    for command in (s.draft(), s.submit(), s.sign_off(), s.agreement()):
        record.handle(command)
    for slot in range(1, slots + 1):
        record.handle(s.schedule_payment(slot))
        record.handle(s.issue_payment(slot))
    return s


def record_stories(record: CaseRecord) -> dict[str, UUID]:
    gate = Scenario()
    for command in gate.up_to_gate():
        record.handle(command)
    return {"gate": gate.case_id, "paid": paid(record, 2).case_id, "paid_once": paid(record, 1).case_id}


def first_payment(tamper: Tamperer, case_id: UUID) -> int:
    """The version of the case's first PaymentIssued (not its last event: the rewrite recomputes what follows)."""
    return next(v for v in range(1, tamper.last_version(case_id)) if tamper.topic(case_id, v).endswith("PaymentIssued"))


def lower_the_payment(state: dict[str, Any]) -> None:
    state["amount_pence"] = 1


def report(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert result.stdout, result.stderr
    found: dict[str, Any] = json.loads(result.stdout)
    return found


def against(result: subprocess.CompletedProcess[str]) -> dict[str, list[str]]:
    """The findings against the checkpoint, by case id."""
    named: dict[str, list[str]] = {}
    for finding in report(result)["against_checkpoint"]:
        named.setdefault(finding["case_id"], []).append(finding["problem"])
    return named


@pytest.fixture(scope="module")
def checkpointed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, UUID]]:
    """A store with three lifecycles and one checkpoint of it, signed with the dev key made on first use."""
    site = tmp_path_factory.mktemp("checkpointed")
    record = CaseRecord(
        {"PERSISTENCE_MODULE": "eventstore.sqlite", "SQLITE_DBNAME": str(site / "store.sqlite")},
        rule_sets=RuleSetCatalogue(TEST_COUNCILS),
        clock=SteppingClock(),
    )
    try:
        cases = record_stories(record)
    finally:
        record.close()
    taken = carecase(site, "audit", "checkpoint", "--json")
    assert taken.returncode == 0, taken.stderr
    return site, cases


@pytest.fixture
def site(checkpointed: tuple[Path, dict[str, UUID]], tmp_path: Path) -> Path:
    """This test's own copy of the checkpointed store, its log and its key."""
    return Path(shutil.copytree(checkpointed[0], tmp_path / "site"))


@pytest.fixture
def cases(checkpointed: tuple[Path, dict[str, UUID]]) -> dict[str, UUID]:
    return checkpointed[1]


@pytest.fixture
def tamper(site: Path) -> Iterator[Tamperer]:
    with sqlite3.connect(site / "store.sqlite") as conn:
        yield Tamperer.sqlite(conn)
    conn.close()


pytestmark = [pytest.mark.cli]


@pytest.mark.sqlite
def test_the_checkpoint_is_signed_chained_and_kept_private(site: Path, cases: dict[str, UUID]) -> None:
    [written] = sorted((site / "var/checkpoints").glob("checkpoint-*.json"))
    assert written.name.startswith("checkpoint-00000001-") and written.name.endswith("Z.json")
    assert (written.stat().st_mode & 0o777, (site / "var/checkpoints").stat().st_mode & 0o777) == (0o600, 0o700)
    assert (site / "var/checkpoint-key/signing.key").stat().st_mode & 0o777 == 0o600
    content = json.loads(written.read_text())
    assert content["sequence"] == 1 and content["previous"] == "sha256:" + "0" * 64
    assert [c["case_id"] for c in content["cases"]] == sorted(c.hex for c in cases.values())
    assert content["case_count"] == 3 and content["signature"]
    assert "Oduya" not in written.read_text()  # ids, versions and hashes only


@pytest.mark.sqlite
def test_an_intact_store_passes_against_its_checkpoint(site: Path) -> None:
    result = carecase(site, "audit", "verify", "--json", "--whole-log")
    assert result.returncode == 0, result.stdout + result.stderr
    found = report(result)
    assert (found["broken"], found["checkpoint_problems"], found["against_checkpoint"]) == ([], [], [])
    assert found["orphaned_instructions"] == [] and found["checkpoint"]["sequence"] == 1


@pytest.mark.sqlite
def test_a_flipped_byte_is_named(site: Path, cases: dict[str, UUID], tamper: Tamperer) -> None:
    victim = cases["paid"]
    tamper.flip_byte(victim, 2, b"needs appear to be ongoing", b"needs appear to be ongoinG")
    tamper.conn.commit()

    result = carecase(site, "audit", "verify", "--json")
    assert result.returncode == 1
    assert {c["case_id"] for c in report(result)["broken"]} == {victim.hex}


@pytest.mark.sqlite
def test_a_tail_removed_with_its_index_and_outbox_rows_is_named_by_the_checkpoint(
    site: Path, cases: dict[str, UUID], tamper: Tamperer
) -> None:
    victim = cases["paid"]
    assert tamper.topic(victim, tamper.last_version(victim)).endswith("PaymentIssued")
    last = tamper.delete_tail(victim)
    tamper.conn.commit()

    result = carecase(site, "audit", "verify", "--json")
    assert result.returncode == 1
    found = report(result)
    assert found["broken"] == [] and found["orphaned_instructions"] == []  # the store alone sees nothing
    [problem] = against(result)[victim.hex]
    assert f"ends at version {last - 1}" in problem and f"recorded version {last}" in problem
    assert set(against(result)) == {victim.hex}


@pytest.mark.sqlite
def test_a_tail_removed_but_its_payment_instruction_left_is_an_orphan(
    site: Path, cases: dict[str, UUID], tamper: Tamperer
) -> None:
    victim = cases["paid_once"]
    last = tamper.delete_tail(victim, with_outbox=False)
    tamper.conn.commit()

    result = carecase(site, "audit", "verify", "--json")
    assert result.returncode == 1
    [orphan] = report(result)["orphaned_instructions"]
    assert (orphan["case_id"], orphan["event_version"]) == (victim.hex, last)
    assert "not in the store" in orphan["problem"]
    assert set(against(result)) == {victim.hex}

    text = carecase(site, "audit", "verify")
    assert text.returncode == 1
    assert f"ORPHANED INSTRUCTION {orphan['instruction_id']} case {victim.hex} v{last}" in text.stdout


@pytest.mark.sqlite
def test_a_rewritten_event_with_every_later_hash_recomputed_is_named(
    site: Path, cases: dict[str, UUID], tamper: Tamperer
) -> None:
    victim = cases["paid"]
    tamper.rewrite(victim, first_payment(tamper, victim), lower_the_payment)
    tamper.conn.commit()

    alone = carecase(site, "audit", "verify", "--json", "--case", victim.hex)
    assert report(alone)["broken"] == []  # its chain checks out: only the checkpoint knows
    result = carecase(site, "audit", "verify", "--json")
    assert result.returncode == 1
    assert report(result)["broken"] == []
    [problem] = against(result)[victim.hex]
    assert "history rewritten" in problem
    assert set(against(result)) == {victim.hex}


@pytest.mark.sqlite
def test_a_case_removed_whole_is_named(site: Path, cases: dict[str, UUID], tamper: Tamperer) -> None:
    victim = cases["paid_once"]
    tamper.delete_case(victim)
    tamper.conn.commit()

    result = carecase(site, "audit", "verify", "--json")
    assert result.returncode == 1
    found = report(result)
    assert found["cases_checked"] == 2 and found["broken"] == []
    [problem] = against(result)[victim.hex]
    assert "case removed" in problem


@pytest.mark.sqlite
def test_a_checkpoint_with_a_bad_signature_is_reported_and_vouches_for_nothing(
    site: Path, cases: dict[str, UUID], tamper: Tamperer
) -> None:
    [written] = (site / "var/checkpoints").glob("checkpoint-*.json")
    content = json.loads(written.read_text())
    content["cases"] = [c for c in content["cases"] if c["case_id"] != cases["gate"].hex]
    content["case_count"] -= 1
    forged = site / "forged.json"
    forged.write_text(json.dumps(content))

    result = carecase(site, "audit", "verify", "--json", "--checkpoint", str(forged))
    assert result.returncode == 1
    found = report(result)
    [problem] = found["checkpoint_problems"]
    assert "forged.json" in problem and "signature does not match" in problem
    assert found["against_checkpoint"] == []

    content = json.loads(written.read_text())
    signature = bytearray(content["signature"], "ascii")
    signature[5] = ord("A") if signature[5] != ord("A") else ord("B")
    content["signature"] = signature.decode()
    written.write_text(json.dumps(content))
    in_log = carecase(site, "audit", "verify", "--json")
    assert in_log.returncode == 1
    assert any("signature does not match" in p for p in report(in_log)["checkpoint_problems"])


@pytest.mark.sqlite
def test_a_checkpoint_signed_by_another_key_is_reported(site: Path, tmp_path: Path) -> None:
    from eventstore.checkpoint_key import CheckpointSigner, public_key_path

    other = tmp_path / "other/signing.key"
    CheckpointSigner.load(other, create=True)
    result = carecase(site, "audit", "verify", "--json", CARECASE_CHECKPOINT_PUBLIC_KEY=str(public_key_path(other)))
    assert result.returncode == 1
    [problem] = report(result)["checkpoint_problems"]
    assert "not the configured public key" in problem


@pytest.mark.sqlite
def test_a_configured_key_that_is_missing_is_an_error_and_verifying_needs_only_the_public_key(
    site: Path, tmp_path: Path
) -> None:
    nowhere = tmp_path / "nowhere.key"
    missing = carecase(site, "audit", "checkpoint", CARECASE_CHECKPOINT_SIGNING_KEY=str(nowhere))
    assert missing.returncode == 1 and f"no checkpoint signing key at {nowhere}" in missing.stderr
    assert not nowhere.exists() and len(list((site / "var/checkpoints").glob("checkpoint-*.json"))) == 1

    public = Path(shutil.copy(site / "var/checkpoint-key/signing.pub", tmp_path / "auditor.pub"))
    shutil.rmtree(site / "var/checkpoint-key")
    result = carecase(site, "audit", "verify", "--json", CARECASE_CHECKPOINT_PUBLIC_KEY=str(public))
    assert result.returncode == 0, result.stdout
    assert report(result)["checkpoint"]["sequence"] == 1


@pytest.mark.sqlite
def test_newer_events_and_cases_pass_and_the_next_checkpoint_chains_on(site: Path, cases: dict[str, UUID]) -> None:
    record = CaseRecord(
        {"PERSISTENCE_MODULE": "eventstore.sqlite", "SQLITE_DBNAME": str(site / "store.sqlite")},
        rule_sets=RuleSetCatalogue(TEST_COUNCILS),
        clock=SteppingClock(),
    )
    try:
        later = Scenario()
        for command in later.up_to_gate():
            record.handle(command)
    finally:
        record.close()
    checked = carecase(site, "audit", "verify", "--json")
    assert checked.returncode == 0, checked.stdout
    assert report(checked)["cases_checked"] == 4

    again = carecase(site, "audit", "checkpoint", "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["sequence"] == 2 and json.loads(again.stdout)["cases"] == 4
    first, second = sorted((site / "var/checkpoints").glob("checkpoint-*.json"))
    assert json.loads(second.read_text())["previous"] == "sha256:" + hashlib.sha256(first.read_bytes()).hexdigest()
    assert carecase(site, "audit", "verify", "--whole-log").returncode == 0


@pytest.mark.sqlite
def test_no_checkpoint_is_taken_of_a_store_that_contradicts_the_last_one(
    site: Path, cases: dict[str, UUID], tamper: Tamperer
) -> None:
    victim = cases["paid"]
    tamper.delete_tail(victim)
    tamper.conn.commit()

    refused = carecase(site, "audit", "checkpoint")
    assert refused.returncode == 1
    assert f"AGAINST CHECKPOINT {victim.hex}" in refused.stderr
    assert len(list((site / "var/checkpoints").glob("checkpoint-*.json"))) == 1


@pytest.mark.sqlite
def test_a_checkpoint_removed_from_the_middle_of_the_log_breaks_its_chain(site: Path) -> None:
    for _ in range(2):
        assert carecase(site, "audit", "checkpoint").returncode == 0
    files = sorted((site / "var/checkpoints").glob("checkpoint-*.json"))
    assert len(files) == 3
    files[1].unlink()

    latest_only = carecase(site, "audit", "verify", "--json")
    assert latest_only.returncode == 1
    whole = carecase(site, "audit", "verify", "--json", "--whole-log")
    problems = report(whole)["checkpoint_problems"]
    assert any(files[2].name in p and "sequence 3 where 2 was next" in p for p in problems)
    assert any(files[2].name in p and "not the file before it" in p for p in problems)


@pytest.mark.postgres
def test_a_recomputed_chain_is_named_on_postgresql(postgres_env: dict[str, str], tmp_path: Path) -> None:
    record = CaseRecord(postgres_env, rule_sets=RuleSetCatalogue(TEST_COUNCILS), clock=SteppingClock())
    try:
        cases = record_stories(record)
        events_table = record.recorder.events_table_name  # type: ignore[attr-defined]
    finally:
        record.close()
    env = {"CARECASE_STORE": "postgres", **{k: v for k, v in postgres_env.items() if k.startswith("POSTGRES_")}}
    assert carecase(tmp_path, "audit", "checkpoint", **env).returncode == 0
    assert carecase(tmp_path, "audit", "verify", **env).returncode == 0

    victim = cases["paid"]
    with psycopg.connect(
        host=postgres_env["POSTGRES_HOST"],
        port=postgres_env["POSTGRES_PORT"],
        user=postgres_env["POSTGRES_USER"],
        dbname=postgres_env["POSTGRES_DBNAME"],
    ) as conn:
        tamper = Tamperer.postgres(conn, postgres_env["POSTGRES_SCHEMA"], events_table)
        tamper.rewrite(victim, first_payment(tamper, victim), lower_the_payment)
        tamper.delete_tail(cases["paid_once"], with_outbox=False)

    result = carecase(tmp_path, "audit", "verify", "--json", **env)
    assert result.returncode == 1
    found = report(result)
    assert found["broken"] == []
    assert set(against(result)) == {victim.hex, cases["paid_once"].hex}
    assert [o["case_id"] for o in found["orphaned_instructions"]] == [cases["paid_once"].hex]
