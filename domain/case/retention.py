"""The end of retention: the personal data of a closed case's people erased (decision 0026).

The council keeps a closed case's record for its retention period (8 years after closure unless it
sets another). When the period has ended, the keys that seal each person's personal values are
destroyed (the store's key table) and the case records that it was done, by whom, for whom and
under which rule. The events stay as they were stored, so the hash chain still verifies; their
personal values read as erased from then on, and this event's ``apply`` erases them from the
state of any copy of the case already in memory.
"""

from __future__ import annotations

from datetime import datetime

from domain.case.base import CaseEvent, CommandContext, Recording
from domain.case.rules import (
    personal_data_is_erased_only_once_retention_has_ended,
    personal_data_must_not_already_be_erased,
)
from domain.personal_data import ERASED


class RetentionSteps(Recording):
    class PersonalDataErased(CaseEvent):
        """The retention period after closure ended: the keys sealing these people's personal data
        were destroyed, so their names, dates of birth and notes read as erased."""

        people: list[str]
        retention_rule: str
        retention_days: int
        closed_at: datetime
        period_ended_at: datetime

        def apply(self, case: Recording) -> None:
            state = case.state
            erased = set(self.people)
            for person in state.people.values():
                if person.person_id in erased:
                    person.name = ERASED
                    person.date_of_birth = None
                    person.nhs_number = None
                    person.details = None  # gender, ethnicity, postcode and the rest (decision 0045)
                    for challenge in person.challenges:
                        challenge.grounds = ERASED
            if state.adult_id in erased:
                state.referral_reason = ERASED
            for representative in state.representatives.values():
                if representative.representative_id in erased:
                    representative.name = ERASED
            for agreement in state.agreements.values():
                if (agreement.recipient_id or agreement.person_id) in erased:
                    agreement.recipient_name = ERASED
            state.personal_data_erased_at = self.timestamp

    def erase_personal_data(
        self, ctx: CommandContext, *, people: list[str], retention_days: int, as_of: datetime
    ) -> None:
        personal_data_must_not_already_be_erased(self.state)
        personal_data_is_erased_only_once_retention_has_ended(self.state, as_of, retention_days)
        closed_at = self.state.closed_at or self.state.last_recorded_at
        self._record(
            ctx,
            self.PersonalDataErased,
            people=sorted(set(people)),
            retention_rule=f"personal data erased {retention_days} days after the case closed",
            retention_days=retention_days,
            closed_at=closed_at,
            period_ended_at=as_of,
        )
