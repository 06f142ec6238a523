"""The workflow's dry-run trusts the rule set it fetched only for the days it is certainly in force:
from its effective_from to the day it was fetched (no publication is back-dated, decision 0034)."""

from __future__ import annotations

from datetime import date

import pytest

from policy import RuleSetCatalogue
from workflows.case_mirror import RuleSetNotLoaded, _MirroredRuleSets

pytestmark = pytest.mark.unit

FETCHED_ON = date(2026, 12, 1)


def test_the_fetched_version_answers_from_its_date_to_the_day_it_was_fetched_and_no_other():
    northmoor = RuleSetCatalogue().current("northmoor-ras", on=FETCHED_ON)
    mirrored = _MirroredRuleSets(northmoor, FETCHED_ON)

    assert mirrored.current("northmoor-ras", on=northmoor.effective_from) is northmoor
    assert mirrored.current("northmoor-ras", on=FETCHED_ON) is northmoor
    for day in (date(2026, 12, 2), date(2026, 3, 31)):  # another version may be in force: the record decides
        with pytest.raises(RuleSetNotLoaded):
            mirrored.current("northmoor-ras", on=day)
    with pytest.raises(RuleSetNotLoaded):
        mirrored.current("eastvale-ras", on=FETCHED_ON)
    with pytest.raises(RuleSetNotLoaded):
        _MirroredRuleSets(northmoor, None).current("northmoor-ras", on=FETCHED_ON)
