"""The person index's open episodes: what both recorders share (decision 0031).

One row per key a person is known by (``domain.person_index.episode_keys``: their council person
id, a digest of their NHS number) for each case they are the adult of. A referral holds its rows
(``held`` 1); the adult's ``InvolvementEnded`` or the ``CaseClosed`` releases them (``held`` 0);
the rows stay, so a later referral finds the earlier cases. A unique index on the key of the held
rows alone lets no person have two open episodes: written in the same transaction as the events
that hold them, the second of two racing referrals fails with the IntegrityError the case record
retries on, and the retry is refused politely (``person_has_open_case``). The end of retention
deletes the case's NHS number digests with its keys.

The event hands its change over on ``IndexedStoredEvent.episode`` (filled by the mapper from the
event's ``person_episode()``), so the recorder never parses state bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

from eventsourcing.persistence import StoredEvent
from psycopg.sql import SQL, Composed, Identifier

from domain.person_index import NHS_PREFIX, WHOLE_CASE, Episode

EPISODES_TABLE = "person_episodes"
# Columns, in the order a held row is written.
COLUMNS = ("person_key", "case_id", "person_id", "council_person_id", "held", "held_at")


class EpisodeChanges(NamedTuple):
    holds: list[tuple[str, str, str, str, int, str]]
    releases: list[tuple[str, str]]  # (case_id, person_id or WHOLE_CASE)


def episode_changes(stored_events: Sequence[StoredEvent]) -> EpisodeChanges:
    """The rows a batch of stored events holds and releases, in the batch's order."""
    changes = EpisodeChanges([], [])
    for event in stored_events:
        change: dict[str, Any] | None = getattr(event, "episode", None)
        if not change:
            continue
        case_id = str(change["case_id"])
        if "hold" in change:
            for key in change["hold"]:
                changes.holds.append(
                    (
                        str(key),
                        case_id,
                        str(change["person_id"]),
                        str(change["council_person_id"]),
                        1,
                        _held_at(event),
                    )
                )
        else:
            changes.releases.append((case_id, str(change["release"])))
    return changes


def _held_at(event: StoredEvent) -> str:
    # One fixed form (UTC, microseconds), so the text sorts as the instant does: oldest case first.
    recorded_at: datetime | None = getattr(event, "recorded_at", None)
    return "" if recorded_at is None else recorded_at.astimezone(UTC).isoformat(timespec="microseconds")


def episode_from_row(row: Any) -> Episode:
    return Episode(
        case_id=row["case_id"],
        person_id=row["person_id"],
        council_person_id=row["council_person_id"],
        held=bool(row["held"]),
    )


def unique_episodes(rows: Sequence[Any]) -> list[Episode]:
    """One episode per (case, person), however many of the keys asked for found it."""
    seen: dict[tuple[str, str], Episode] = {}
    for row in rows:
        episode = episode_from_row(row)
        seen.setdefault((episode.case_id, episode.person_id), episode)
    return list(seen.values())


NHS_KEYS = NHS_PREFIX + "%"


# SQLite ------------------------------------------------------------------------------------------


def sqlite_create_statements() -> list[str]:
    return [
        f"CREATE TABLE IF NOT EXISTS {EPISODES_TABLE} ("
        "person_key TEXT NOT NULL, case_id TEXT NOT NULL, person_id TEXT NOT NULL, "
        "council_person_id TEXT NOT NULL, held INTEGER NOT NULL, held_at TEXT NOT NULL, "
        "PRIMARY KEY (person_key, case_id, person_id)) WITHOUT ROWID",
        # The guard: at most one held row per key, that is one open episode per person.
        f"CREATE UNIQUE INDEX IF NOT EXISTS {EPISODES_TABLE}_open ON {EPISODES_TABLE} (person_key) WHERE held = 1",
        f"CREATE INDEX IF NOT EXISTS {EPISODES_TABLE}_case ON {EPISODES_TABLE} (case_id)",
    ]


def write_episodes_sqlite(cursor: Any, stored_events: Sequence[StoredEvent]) -> None:
    """Hold and release with the caller's cursor, inside the caller's transaction."""
    changes = episode_changes(stored_events)
    if changes.holds:
        cursor.executemany(f"INSERT INTO {EPISODES_TABLE} VALUES (?,?,?,?,?,?)", changes.holds)
    for case_id, person_id in changes.releases:
        if person_id == WHOLE_CASE:
            cursor.execute(f"UPDATE {EPISODES_TABLE} SET held = 0 WHERE case_id = ?", (case_id,))
        else:
            cursor.execute(
                f"UPDATE {EPISODES_TABLE} SET held = 0 WHERE case_id = ? AND person_id = ?", (case_id, person_id)
            )


def select_episodes_sqlite(cursor: Any, keys: Sequence[str]) -> list[Episode]:
    if not keys:
        return []
    cursor.execute(
        f"SELECT case_id, person_id, council_person_id, held FROM {EPISODES_TABLE} "
        f"WHERE person_key IN ({', '.join('?' for _ in keys)}) ORDER BY held_at, case_id",
        tuple(keys),
    )
    return unique_episodes(cursor.fetchall())


def forget_nhs_numbers_sqlite(cursor: Any, case_id: str) -> None:
    cursor.execute(f"DELETE FROM {EPISODES_TABLE} WHERE case_id = ? AND person_key LIKE ?", (case_id, NHS_KEYS))


# PostgreSQL --------------------------------------------------------------------------------------


class PostgresEpisodeStatements(NamedTuple):
    create: list[Composed]
    hold: Composed
    release_case: Composed
    release_person: Composed
    select: Composed
    forget_nhs_numbers: Composed


def postgres_statements(schema: str, table: str) -> PostgresEpisodeStatements:
    s, t = Identifier(schema), Identifier(table)
    return PostgresEpisodeStatements(
        create=[
            SQL(
                "CREATE TABLE IF NOT EXISTS {s}.{t} ("
                "person_key text NOT NULL, case_id text NOT NULL, person_id text NOT NULL, "
                "council_person_id text NOT NULL, held smallint NOT NULL, held_at text NOT NULL, "
                "PRIMARY KEY (person_key, case_id, person_id))"
            ).format(s=s, t=t),
            # The guard: at most one held row per key, that is one open episode per person.
            SQL("CREATE UNIQUE INDEX IF NOT EXISTS {i} ON {s}.{t} (person_key) WHERE held = 1").format(
                i=Identifier(f"{table}_open"), s=s, t=t
            ),
            SQL("CREATE INDEX IF NOT EXISTS {i} ON {s}.{t} (case_id)").format(i=Identifier(f"{table}_case"), s=s, t=t),
        ],
        hold=SQL("INSERT INTO {s}.{t} VALUES (%s, %s, %s, %s, %s, %s)").format(s=s, t=t),
        release_case=SQL("UPDATE {s}.{t} SET held = 0 WHERE case_id = %s").format(s=s, t=t),
        release_person=SQL("UPDATE {s}.{t} SET held = 0 WHERE case_id = %s AND person_id = %s").format(s=s, t=t),
        select=SQL(
            "SELECT case_id, person_id, council_person_id, held FROM {s}.{t} "
            "WHERE person_key = ANY(%s) ORDER BY held_at, case_id"
        ).format(s=s, t=t),
        forget_nhs_numbers=SQL("DELETE FROM {s}.{t} WHERE case_id = %s AND person_key LIKE %s").format(s=s, t=t),
    )


def write_episodes_postgres(
    cursor: Any, statements: PostgresEpisodeStatements, stored_events: Sequence[StoredEvent]
) -> None:
    """Hold and release with the caller's cursor, inside the caller's transaction (and pipeline)."""
    changes = episode_changes(stored_events)
    if changes.holds:
        cursor.executemany(statements.hold, changes.holds)
    for case_id, person_id in changes.releases:
        if person_id == WHOLE_CASE:
            cursor.execute(statements.release_case, (case_id,))
        else:
            cursor.execute(statements.release_person, (case_id, person_id))
