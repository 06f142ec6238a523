"""Correcting an inaccurate fact recorded about a person (UK GDPR Art. 16), as an event of its own.

Events are never changed: the earlier event keeps the value it recorded, and the correction is a
later event naming it by version, with the field, the value it replaces, the corrected value, who
corrected it (the actor) and why. The case state, and so every view, holds the corrected value
from the correction on; the case as of any earlier instant still shows the value it held then.
A fact corrected twice is corrected from its latest value: the latest correction wins.

What follows from a corrected fact is not worked out again: a decision made on the value held then
(eligibility, a budget, whether a carer was a young carer) stays as it was made, explainable and
verifiable from what it recorded (decision 0025). Changing a decision is the process's own
commands' work.
"""

from __future__ import annotations

from typing import ClassVar

from domain.case.base import CaseEvent, CommandContext, Recording
from domain.case.correctable import CORRECTABLE_FACTS
from domain.case.rules import (
    case_must_be_open,
    corrected_event_must_be_on_the_case,
    corrected_value_must_fit_the_fact,
    correction_must_change_the_value,
    fact_must_be_correctable,
)


class CorrectionSteps(Recording):
    class RecordedFactCorrected(CaseEvent):
        """An inaccurate fact recorded about a person was corrected (UK GDPR Art. 16): the earlier
        event (by version and type) and its field, whose fact it is, the value replaced and the
        corrected value, and the reason. The earlier event is unchanged."""

        # The values are about the person: encrypted per person where the record does so.
        personal_fields: ClassVar[tuple[str, ...]] = ("previous_value", "corrected_value")

        corrected_event_version: int
        corrected_event_type: str
        field: str
        person_id: str  # whose fact: the adult's or a carer's id, or a representative's
        previous_value: str  # what the record said until this correction (the latest value, as text)
        corrected_value: str  # as text: a date as YYYY-MM-DD
        reason: str

        def apply(self, case: Recording) -> None:
            fact = CORRECTABLE_FACTS[(self.corrected_event_type, self.field)]
            fact.write(case.state, self.person_id, self.corrected_value)

    def correct_recorded_fact(
        self, ctx: CommandContext, *, event_version: int, field: str, corrected_value: str, reason: str
    ) -> None:
        case_must_be_open(self.state)
        corrected_event_must_be_on_the_case(self.version, event_version)
        source, fact = fact_must_be_correctable(self.state, event_version, field)
        corrected = corrected_value_must_fit_the_fact(fact, source, corrected_value)
        current = fact.read(self.state, source.person_id)
        correction_must_change_the_value(current, corrected, fact, event_version)
        self._record(
            ctx,
            self.RecordedFactCorrected,
            corrected_event_version=event_version,
            corrected_event_type=source.event_type,
            field=field,
            person_id=source.person_id,
            previous_value=current,
            corrected_value=corrected,
            reason=reason,
        )
