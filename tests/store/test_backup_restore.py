"""A backup taken while cases are being recorded restores into a new folder where every chain
verifies, the latest signed checkpoint agrees, the access and ops logs' chains hold, and the views
equal a rebuild; a backup altered on its way back is refused before it is used."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from api.access_log import AccessLog
from config.backup import MANIFEST, STORE_FILE, BackupError, check_restored, restore_backup, take_backup
from config.checkpoint_settings import CheckpointSettings
from config.checkpoints import take_checkpoint
from domain.application import CaseRecord
from eventstore.checkpoint_key import CheckpointSigner
from policy.catalogue import RuleSetCatalogue
from projections.catalogue import all_views
from projections.runner import ProjectionRunner
from projections.store import SQLiteViewStore
from tests.builders import Scenario
from tests.clock import SteppingClock
from tests.rule_sets import TEST_COUNCILS

ROOT = Path(__file__).parents[2]


def _record(path: Path) -> CaseRecord:
    env = {"PERSISTENCE_MODULE": "eventstore.sqlite", "SQLITE_DBNAME": str(path), "SQLITE_LOCK_TIMEOUT": "30"}
    return CaseRecord(env, rule_sets=RuleSetCatalogue(TEST_COUNCILS), clock=SteppingClock())


def _cases(record: CaseRecord, stop: threading.Event, recorded: list[int]) -> None:
    while not stop.is_set():
        story = Scenario()
        for command in story.up_to_planning(carers=("carer-1",)):
            record.handle(command)
        recorded.append(1)


def test_a_backup_under_load_restores_into_a_store_that_verifies_and_rebuilds(tmp_path: Path) -> None:
    live = tmp_path / "live"
    live.mkdir()
    store = live / STORE_FILE
    record = _record(store)
    views = SQLiteViewStore(str(store))
    runner = ProjectionRunner(record, views, all_views())
    checkpoints = CheckpointSettings(folder=live / "checkpoints", signing_key=live / "keys" / "signing.key")
    CheckpointSigner.load(checkpoints.signing_key_path, create=True)
    stop, recorded = threading.Event(), []
    writer = threading.Thread(target=_cases, args=(_record(store), stop, recorded))
    try:
        for _ in range(3):
            for command in Scenario().up_to_planning():
                record.handle(command)
        runner.run_once()
        log = AccessLog(views)
        log.list_read(user_id="tm-morgan", role="team_manager", what="cases", path="/cases", case_ids=["a", "b"])
        take_checkpoint(record, checkpoints)
        writer.start()
        while len(recorded) < 2:  # cases are being recorded while the backup is taken
            runner.run_once()
        # Counted before the copy starts: a case the writer finishes while the copy is taken, or
        # after it, need not be in it (under load it often is not).
        before = len(recorded)
        manifest = take_backup(store, checkpoints.folder, tmp_path / "backup")
    finally:
        stop.set()
        if writer.ident is not None:
            writer.join(timeout=120)
        views.close()
        record.close()
    assert manifest.events > 0 and {f.path for f in manifest.files} >= {STORE_FILE}
    assert any(f.path.startswith("checkpoints/") for f in manifest.files)
    assert oct((tmp_path / "backup" / STORE_FILE).stat().st_mode & 0o777) == "0o600"
    # Nothing beside what the manifest names (no write-ahead log left behind with the copy).
    held = {p.relative_to(tmp_path / "backup").as_posix() for p in (tmp_path / "backup").rglob("*") if p.is_file()}
    assert held == {f.path for f in manifest.files} | {MANIFEST}

    restored = tmp_path / "restored"
    restore_backup(tmp_path / "backup", restored)
    copy = _record(restored / STORE_FILE)
    copy_views = SQLiteViewStore(str(restored / STORE_FILE))
    try:
        assert copy.last_position() == manifest.last_notification_id
        check = check_restored(
            copy,
            copy_views,
            all_views(),
            CheckpointSettings(folder=restored / "checkpoints", public_key=checkpoints.public_key_path),
        )
    finally:
        copy_views.close()
        copy.close()
    assert check.clean, check
    assert check.cases_checked >= 3 + before


def test_a_backup_altered_on_its_way_back_is_refused_before_it_is_used(tmp_path: Path) -> None:
    store = tmp_path / "live" / STORE_FILE
    store.parent.mkdir()
    record = _record(store)
    try:
        record.handle(Scenario().referral())
    finally:
        record.close()
    take_backup(store, tmp_path / "live" / "no-checkpoints", tmp_path / "backup")
    with pytest.raises(BackupError, match="not empty"):
        take_backup(store, tmp_path / "live" / "no-checkpoints", tmp_path / "backup")
    with (tmp_path / "backup" / STORE_FILE).open("r+b") as file:
        file.seek(200)
        file.write(b"\x00tampered")
    with pytest.raises(BackupError, match="size or SHA-256 differs"):
        restore_backup(tmp_path / "backup", tmp_path / "restored")
    assert not (tmp_path / "restored").exists()
    (tmp_path / "backup" / MANIFEST).unlink()
    with pytest.raises(BackupError, match="not a carecase backup"):
        restore_backup(tmp_path / "backup", tmp_path / "restored")


@pytest.mark.cli
def test_backup_and_restore_from_the_command_line(tmp_path: Path) -> None:
    live = tmp_path / "var"
    live.mkdir()
    record = _record(live / STORE_FILE)
    try:
        for command in Scenario().up_to_planning():
            record.handle(command)
    finally:
        record.close()
    env = {
        **os.environ,
        "CARECASE_SQLITE_PATH": str(live / STORE_FILE),
        "CARECASE_CHECKPOINT_DIR": str(live / "checkpoints"),
        "CARECASE_CHECKPOINT_SIGNING_KEY": str(live / "keys" / "signing.key"),
    }
    carecase = [sys.executable, "-m", "workers.cli"]
    CheckpointSigner.load(live / "keys" / "signing.key", create=True)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*carecase, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)

    assert run("audit", "checkpoint").returncode == 0
    taken = run("backup", "--out", str(tmp_path / "backup"))
    assert taken.returncode == 0, taken.stderr
    assert "backed up" in taken.stdout
    restored = run("restore", str(tmp_path / "backup"), "--into", str(tmp_path / "restored"))
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "restored store checks out" in restored.stdout
    again = run("restore", str(tmp_path / "backup"), "--into", str(tmp_path / "restored"))
    assert again.returncode == 2 and "not empty" in again.stderr
