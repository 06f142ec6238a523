"""The councils one deployment serves (decision 0040): a registry file, and each council's partition.

With no council registered a deployment serves the one configured council (``CARECASE_COUNCIL``,
``CARECASE_SQLITE_PATH``, ``CARECASE_TASK_QUEUE``) exactly as before. ``carecase councils add CODE
--folder NAME`` registers another, by its ONS/GSS code, with its policy folder. Each registered
council has a partition of its own: its events, views and logs in one SQLite file
(``var/councils/<CODE>/carecase.sqlite``) or one PostgreSQL schema (``council_<code>``), its
checkpoint log in ``<checkpoint folder>/<CODE>``, and a Temporal task queue ``<queue>.<CODE>``.
So a council's record is exported, verified, rebuilt, backed up and retained on its own.

A council's settings are the deployment's environment with the partition's values put over it
(``council_environment``): the same ``Settings.from_environment`` reads them, so a council's
configuration comes from its own folder exactly as the one council's does.
"""

from __future__ import annotations

import fcntl
import os
import re
import tomllib
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from config.checkpoint_settings import CheckpointSettings
from config.settings import COUNCIL_FOLDER_NAME, Settings
from config.temporal_settings import TemporalSettings
from domain.errors import InvalidInput, RuleViolation
from domain.values import SOCIAL_CARE_COUNCIL_CODE
from eventstore.private_files import open_private_binary, write_private_text
from policy.catalogue import COUNCILS_FOLDER
from policy.council_configuration import council_file

REGISTRY_FILE = "CARECASE_COUNCILS_FILE"
PARTITIONS_FOLDER = "CARECASE_COUNCILS_DIR"
DEFAULT_REGISTRY = Path("var/councils.toml")
DEFAULT_PARTITIONS = Path("var/councils")
GSS_CODE = re.compile(SOCIAL_CARE_COUNCIL_CODE)

HEADER = "# The councils this deployment serves besides its configured one (`carecase councils --help`).\n"


class RegisteredCouncil(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str = Field(pattern=f"^{SOCIAL_CARE_COUNCIL_CODE}$")
    folder: str = Field(pattern=COUNCIL_FOLDER_NAME.pattern)
    added_at: AwareDatetime | None = None


def registry_path(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    return Path(env.get(REGISTRY_FILE) or DEFAULT_REGISTRY)


def read_registry(path: Path) -> list[RegisteredCouncil]:
    """The registered councils; none if there is no registry."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return [RegisteredCouncil.model_validate(entry) for entry in tomllib.loads(text).get("council", [])]


def registry_text(councils: list[RegisteredCouncil]) -> str:
    entries = [
        f'\n[[council]]\ncode = "{c.code}"\nfolder = "{c.folder}"\n'
        + (f'added_at = "{c.added_at.astimezone(UTC).isoformat()}"\n' if c.added_at else "")
        for c in councils
    ]
    return HEADER + "".join(entries)


# Rules `carecase councils add` keeps (codes in docs/rules.md, "Councils in one deployment").


def council_code_is_a_gss_code(code: str) -> None:
    if not GSS_CODE.fullmatch(code):
        raise InvalidInput(
            f"code: {code!r} is not the GSS code of a council with social care duties "
            "(E06, E08, E09 or E10 and six digits, e.g. E06000047)",
            code="council_code_invalid",
            field="code",
        )


def council_folder_is_published(folder: str, policy_folder: Path) -> None:
    if not COUNCIL_FOLDER_NAME.fullmatch(folder) or not council_file(policy_folder, folder).parent.is_dir():
        raise InvalidInput(
            f"folder: {folder!r} is no council's folder under {policy_folder}",
            code="council_folder_unknown",
            field="folder",
        )


def council_is_not_served_already(code: str, default_code: str, councils: list[RegisteredCouncil]) -> None:
    if code == default_code or any(c.code == code for c in councils):
        raise RuleViolation(
            f"council {code} is already served by this deployment",
            code="council_already_served",
            details={"code": code},
        )


def add_council(
    code: str, folder: str, environ: Mapping[str, str] | None = None, now: datetime | None = None
) -> RegisteredCouncil:
    """Register a council (checked first; under a lock, the registry replaced whole) and make its
    partition ready; returns the registration."""
    env = dict(os.environ if environ is None else environ)
    council_code_is_a_gss_code(code)
    policy_folder = Path(env["CARECASE_POLICY_FOLDER"]) if env.get("CARECASE_POLICY_FOLDER") else COUNCILS_FOLDER
    council_folder_is_published(folder, policy_folder)
    default_code = Settings.from_environment(env).council.council_code
    path = registry_path(env)
    entry = RegisteredCouncil(code=code, folder=folder, added_at=now or datetime.now(UTC))
    with open_private_binary(path.with_name(path.name + ".lock"), "ab") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            councils = read_registry(path)
            council_is_not_served_already(code, default_code, councils)
            prepare_partition(council_settings(entry, env))
            write_private_text(path, registry_text([*councils, entry]))
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
    return entry


def schema_name(code: str) -> str:
    return f"council_{code.lower()}"


def task_queue_of(base_queue: str, code: str) -> str:
    return f"{base_queue}.{code}"


def council_environment(council: RegisteredCouncil, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The deployment's environment with the council's partition put over it."""
    env = dict(os.environ if environ is None else environ)
    partitions = Path(env.get(PARTITIONS_FOLDER) or DEFAULT_PARTITIONS)
    checkpoints = CheckpointSettings.from_environment(env).folder
    queue = env.get("CARECASE_TASK_QUEUE") or TemporalSettings().task_queue
    return {
        **env,
        "CARECASE_COUNCIL": council.folder,
        "CARECASE_COUNCIL_CODE": council.code,
        "CARECASE_SQLITE_PATH": str(partitions / council.code / "carecase.sqlite"),
        "POSTGRES_SCHEMA": schema_name(council.code),
        "CARECASE_CHECKPOINT_DIR": str(checkpoints / council.code),
        "CARECASE_TASK_QUEUE": task_queue_of(queue, council.code),
    }


def council_settings(council: RegisteredCouncil, environ: Mapping[str, str] | None = None) -> Settings:
    return Settings.from_environment(council_environment(council, environ))


def prepare_partition(settings: Settings) -> None:
    """The council's PostgreSQL schema, made if missing (its SQLite file is made when first opened)."""
    if settings.store != "postgres":
        return
    import psycopg
    from psycopg.sql import SQL, Identifier

    pg = settings.postgres
    with psycopg.connect(
        host=pg.get("POSTGRES_HOST", "127.0.0.1"),
        port=pg.get("POSTGRES_PORT", "5432"),
        user=pg.get("POSTGRES_USER", "postgres"),
        password=pg.get("POSTGRES_PASSWORD", ""),
        dbname=pg.get("POSTGRES_DBNAME", "postgres"),
        autocommit=True,
    ) as conn:
        conn.execute(SQL("CREATE SCHEMA IF NOT EXISTS {}").format(Identifier(pg["POSTGRES_SCHEMA"])))


def registered(environ: Mapping[str, str] | None = None) -> list[RegisteredCouncil]:
    return read_registry(registry_path(environ))


def council_named(code: str, environ: Mapping[str, str] | None = None) -> RegisteredCouncil:
    """The registered council ``code``; a clear error naming ``--council`` if it is none."""
    for council in registered(environ):
        if council.code == code:
            return council
    raise InvalidInput(
        f"--council: {code!r} is not a council this deployment serves (`carecase councils list`)",
        code="council_not_served",
        field="council",
    )
