"""Reproductions of what a hostile or careless client did to the product, each kept as a test.

The HTTP tests here use the same real stack as ``tests/api``: a Temporal dev server, a worker,
an SQLite case record and a projection runner in a thread, called through the ASGI app.
"""

from __future__ import annotations

from tests.api.conftest import backend, http, published_council, tokens, views_running  # noqa: F401  (fixtures)
