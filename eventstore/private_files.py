"""What the product keeps on disk is private: its files mode 0600, each in a folder of mode 0700.

The case record, its views, the Temporal dev server's state, the API keys, the development tokens
and the logs all hold special-category data or what unlocks it. Every writer creates its file
through one of these functions, so the file is private from the moment it exists (whatever the
process's umask), and tightens a file or folder an older version left looser. Nothing here ever
loosens a mode.

A folder is tightened only when this user owns it and it is not a shared folder (the sticky bit,
as on ``/tmp``): pointing a setting at ``/tmp/x.sqlite`` makes the file private, never ``/tmp``.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Literal

FILE_MODE = 0o600
FOLDER_MODE = 0o700
# SQLite's companions of a database file; they take the database file's mode when SQLite makes them.
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def tighten(path: Path) -> None:
    """Take every permission of group and others off ``path`` (and execute off a file), if it exists."""
    try:
        status = path.lstat()
    except FileNotFoundError:
        return
    if stat.S_ISLNK(status.st_mode):
        return  # the target is what matters, and it is not ours to judge here
    mode = stat.S_IMODE(status.st_mode)
    if stat.S_ISDIR(status.st_mode):
        if status.st_uid != os.geteuid() or mode & stat.S_ISVTX:
            return  # a folder we do not own, or one shared by design
        wanted = mode & FOLDER_MODE
    else:
        wanted = mode & FILE_MODE
    if wanted != mode:
        path.chmod(wanted)


def private_folder(folder: Path) -> Path:
    """``folder``, made (mode 0700) if it is missing, tightened if it is looser."""
    folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    tighten(folder)
    return folder


def private_file(path: Path) -> Path:
    """``path`` made empty with mode 0600 if missing (its folder private), tightened if it exists."""
    private_folder(path.parent)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        tighten(path)
    else:
        os.fchmod(descriptor, FILE_MODE)
        os.close(descriptor)
    return path


def _private_opener(path: str, flags: int) -> int:
    descriptor = os.open(path, flags, FILE_MODE)
    # An existing file keeps its mode through os.open: tighten it through the descriptor we hold.
    mode = stat.S_IMODE(os.fstat(descriptor).st_mode)
    if mode & ~FILE_MODE:
        os.fchmod(descriptor, mode & FILE_MODE)
    return descriptor


def open_private_text(
    path: Path, mode: Literal["a", "w"] = "a", buffering: int = -1, *, own_folder: bool = True
) -> IO[str]:
    """A text file opened for appending (or writing), created private, tightened if it was not.
    ``own_folder=False``: a file the user named (an export), whose folder is theirs, left as it is."""
    if own_folder:
        private_folder(path.parent)
    return open(path, mode, encoding="utf-8", buffering=buffering, opener=_private_opener)


def open_private_binary(path: Path, mode: Literal["ab", "wb"] = "ab") -> IO[bytes]:
    """A binary file opened for appending (or writing), created private, tightened if it was not."""
    private_folder(path.parent)
    return open(path, mode, opener=_private_opener)


def write_private_text(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one step: readers see the old file or the new, never half.

    Written to a private temporary file beside it, flushed to disk, then renamed over it, so the
    file's identity (inode) changes with every write: a reader watching it cannot miss one.
    """
    folder = private_folder(path.parent)
    descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def private_sqlite(path: Path) -> Path:
    """An SQLite database file made private before SQLite opens it, its companions tightened."""
    private_file(path)
    for suffix in SQLITE_COMPANIONS:
        tighten(path.with_name(path.name + suffix))
    return path


def is_sqlite_file(name: str) -> bool:
    """Whether an SQLite database name is a file on disk (not ``:memory:`` or a ``file:`` URI)."""
    return bool(name) and name != ":memory:" and not name.startswith("file:")


def walk(folder: Path) -> Iterator[Path]:
    """``folder`` and everything under it, folders before what they hold; symbolic links not followed."""
    yield folder
    for root, folders, files in os.walk(folder):
        for name in folders + files:
            yield Path(root) / name


def tighten_tree(folder: Path) -> None:
    """Tighten ``folder`` and everything in it: the fix-up at start for a folder an older run left."""
    if not folder.is_dir():
        return
    for path in walk(folder):
        tighten(path)
