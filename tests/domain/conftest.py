"""Story tests of the case record: every test here runs on SQLite and on PostgreSQL (``record``)."""

import pytest

# The given/when/then helpers assert on behalf of the tests; let pytest explain their failures too.
pytest.register_assert_rewrite("tests.domain.story")
