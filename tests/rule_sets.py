"""The rule sets the tests' case records hold: the shipped files, in force from the synthetic
caseload's first day (``simulation.rule_sets``), so the tests' clock (January 2026, tests/clock.py)
and the caseload's back-dated steps fall inside a version's life (decision 0034). Tests of the
shipped files themselves (tests/unit/test_policy_catalogue.py) read the real folder."""

from __future__ import annotations

from simulation.rule_sets import caseload_councils

TEST_COUNCILS = caseload_councils()
