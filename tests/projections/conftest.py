"""The view store beside the record's own store (SQLite file or PostgreSQL schema), and the story."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from projections.store import ViewStore, view_store_from_env


@pytest.fixture
def view_store(record, store_env: dict[str, str]) -> Iterator[ViewStore]:  # record first: it creates the store
    store = view_store_from_env(store_env)
    try:
        yield store
    finally:
        store.close()
