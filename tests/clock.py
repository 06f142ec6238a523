"""A clock the tests control: each reading is a fixed step after the last."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class SteppingClock:
    def __init__(self, start: datetime | None = None, step: timedelta = timedelta(minutes=1)) -> None:
        self.now = start or datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
        self.step = step

    def __call__(self) -> datetime:
        current = self.now
        self.now = current + self.step
        return current

    def advance(self, delta: timedelta) -> None:
        self.now += delta
