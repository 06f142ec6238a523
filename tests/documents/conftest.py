"""Documents for the person: made from the record (SQLite and PostgreSQL, ``record``) and over HTTP."""

import pytest

pytest.register_assert_rewrite("tests.documents.lifecycle", "tests.domain.story")
