"""Backup, restore and the check of a restored store.

On SQLite a backup is SQLite's own online backup of the one database file (the events, the as-of
index, the outbox, the person keys, the views and the access and ops logs all live in it), taken
page by page while the product keeps writing, so it is one consistent instant of the store; beside
it, a copy of the checkpoint log (decision 0024), and a manifest naming every file with its size
and SHA-256 so a copy damaged or altered on its way back is refused before it is used.

On PostgreSQL the database is backed up by PostgreSQL's own tools (``pg_dump`` or continuous
archiving for point-in-time recovery: deploy/README.md); ``check_restored`` is the same check for
a database restored that way.

The check of a restored store: every case's chain intact, the store agreeing with the latest
signed checkpoint, the access and ops logs' chains intact, and every view, caught up with the
restored events, equal to the same view rebuilt from the first event.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from eventstore.private_files import private_folder, private_sqlite, write_private_text

MANIFEST = "manifest.json"
STORE_FILE = "carecase.sqlite"
CHECKPOINTS = "checkpoints"
PAGES_PER_STEP = 256  # the backup copies this many pages at a time, so writers wait only briefly


class BackupError(Exception):
    """A backup that cannot be taken or restored, saying why."""


class BackedUpFile(BaseModel):
    path: str
    bytes: int
    sha256: str


class Manifest(BaseModel):
    taken_at: datetime
    store: str
    events: int
    last_notification_id: int
    files: list[BackedUpFile]


class RestoreCheck(BaseModel):
    cases_checked: int
    broken_chains: list[str]
    checkpoint_problems: list[str]
    logs_intact: bool
    views_rebuilt_equal: bool
    views_differing: list[str]

    @property
    def clean(self) -> bool:
        return not self.broken_chains and not self.checkpoint_problems and self.logs_intact and self.views_rebuilt_equal


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _events_in(database: Path) -> tuple[int, int]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
        count, last = conn.execute("SELECT COUNT(*), COALESCE(MAX(rowid), 0) FROM stored_events").fetchone()
    return int(count), int(last)


def take_backup(store: Path, checkpoints: Path, out: Path) -> Manifest:
    """Back up the SQLite store at ``store`` and the checkpoint log in ``checkpoints`` into the new
    folder ``out`` (refused if it exists and is not empty)."""
    if not store.is_file():
        raise BackupError(f"no store at {store}")
    if out.exists() and any(out.iterdir()):
        raise BackupError(f"{out} is not empty: a backup goes into a new folder")
    private_folder(out)
    target = private_sqlite(out / STORE_FILE)
    source = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    destination = sqlite3.connect(target)
    try:
        source.backup(destination, pages=PAGES_PER_STEP)
        # The copy is one self-contained file: no write-ahead log beside it to lose on the way.
        destination.execute("PRAGMA journal_mode=DELETE")
    finally:
        destination.close()
        source.close()
    copied = [target]
    if checkpoints.is_dir():
        shutil.copytree(checkpoints, out / CHECKPOINTS)
        private_folder(out / CHECKPOINTS)
        copied += sorted(p for p in (out / CHECKPOINTS).rglob("*") if p.is_file())
    events, last = _events_in(target)
    manifest = Manifest(
        taken_at=datetime.now(UTC),
        store="sqlite",
        events=events,
        last_notification_id=last,
        files=[
            BackedUpFile(path=p.relative_to(out).as_posix(), bytes=p.stat().st_size, sha256=_sha256(p)) for p in copied
        ],
    )
    write_private_text(out / MANIFEST, manifest.model_dump_json(indent=2))
    return manifest


def read_manifest(backup: Path) -> Manifest:
    """The backup's manifest, every file it names checked against its size and hash."""
    try:
        manifest = Manifest.model_validate_json((backup / MANIFEST).read_text())
    except FileNotFoundError:
        raise BackupError(f"{backup} holds no {MANIFEST}: not a carecase backup") from None
    for file in manifest.files:
        path = backup / file.path
        if not path.is_file():
            raise BackupError(f"{file.path} is named in the manifest but missing from the backup")
        if path.stat().st_size != file.bytes or _sha256(path) != file.sha256:
            raise BackupError(f"{file.path} is not the file that was backed up: its size or SHA-256 differs")
    return manifest


def restore_backup(backup: Path, into: Path) -> Manifest:
    """Restore a checked backup into the new folder ``into``: ``carecase.sqlite`` and ``checkpoints/``."""
    manifest = read_manifest(backup)
    if into.exists() and any(into.iterdir()):
        raise BackupError(f"{into} is not empty: a backup is restored into a new folder")
    private_folder(into)
    for file in manifest.files:
        target = into / file.path
        private_folder(target.parent)
        shutil.copyfile(backup / file.path, target)
        target.chmod(0o600)
    return manifest


def check_restored(record: Any, views: Any, projections: list[Any], checkpoint_settings: Any) -> RestoreCheck:
    """The check of a restored store (either kind), described in the module's docstring. The views
    are rebuilt in place: run it on the restored copy, never on the store in use."""
    from api.access_log import AccessLog
    from config.checkpoints import verify_against_checkpoint
    from projections.runner import ProjectionRunner

    reports = list(record.verify_all_chains())
    verdict = verify_against_checkpoint(record, checkpoint_settings)
    logs = AccessLog(views).verify()
    runner = ProjectionRunner(record, views, projections)
    # A backup taken while the product ran may hold views a little behind its events: caught up
    # first, they must then equal the views a rebuild from the first event makes.
    while runner.run_once():
        pass
    before = _view_rows(views, projections)
    runner.rebuild()
    after = _view_rows(views, projections)
    differing = sorted(table for table in before.keys() | after.keys() if before.get(table) != after.get(table))
    return RestoreCheck(
        cases_checked=len(reports),
        broken_chains=[str(r.case_id) for r in reports if not r.intact],
        checkpoint_problems=[*verdict.problems, *(f.problem for f in verdict.findings)],
        logs_intact=all(chain.intact for chain in logs),
        views_rebuilt_equal=not differing,
        views_differing=differing,
    )


def _view_rows(views: Any, projections: list[Any]) -> dict[str, list[str]]:
    """Every row of every view table, as sorted canonical text (so order and types compare alike)."""
    rows: dict[str, list[str]] = {}
    with views.read() as cursor:
        for projection in projections:
            for table in projection.tables:
                found = cursor.execute(f"SELECT * FROM {table}").fetchall()
                rows[table] = sorted(json.dumps(row, default=str) for row in found)
    return rows
