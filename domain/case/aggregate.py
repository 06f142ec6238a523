"""The Case: one episode of the council's involvement with an adult and the carers linked to them.

Each lifecycle part (referral, carers, assessment, decisions, planning, payments, monitoring, reviews) is a
file of its own with its events and command methods; ``Case`` puts them together. Its whole state
is one ``CaseState`` model.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar, Self
from uuid import UUID

from eventsourcing.domain import Aggregate, MutableOrImmutableAggregate, Snapshot
from eventsourcing.utils import get_topic, resolve_topic

from domain.canonical import GENESIS_HASH
from domain.case.allocation import AllocationSteps
from domain.case.assessment import AssessmentSteps
from domain.case.base import CommandContext, carry_stored_form, link_of
from domain.case.carers import CarerSteps
from domain.case.continuing_healthcare import ContinuingHealthcareSteps
from domain.case.corrections import CorrectionSteps
from domain.case.decisions import DecisionSteps
from domain.case.documents import DocumentSteps
from domain.case.endings import EndingSteps
from domain.case.interim import InterimSteps
from domain.case.monitoring import MonitoringSteps
from domain.case.moves import MoveSteps
from domain.case.payments import PaymentSteps
from domain.case.person_details import PersonDetailsSteps
from domain.case.planning import PlanningSteps
from domain.case.prevention import PreventionSteps
from domain.case.reablement import ReablementSteps
from domain.case.referral import ReferralSteps, adult_across_cases
from domain.case.representatives import RepresentativeSteps
from domain.case.restriction import RestrictionSteps
from domain.case.retention import RetentionSteps
from domain.case.reviews import ReviewSteps
from domain.case.rules import a_person_may_have_only_one_open_case
from domain.case.safeguarding import SafeguardingSteps
from domain.case.state import CaseState
from domain.case.transitions import TransitionSteps
from domain.case.variations import VariationSteps
from domain.person_index import PersonIndex, episode_keys
from domain.vocabulary import PrimarySupportReason, ReferralRoute


class Case(
    ReferralSteps,
    AllocationSteps,
    CarerSteps,
    PersonDetailsSteps,
    TransitionSteps,
    AssessmentSteps,
    DecisionSteps,
    InterimSteps,
    ReablementSteps,
    PreventionSteps,
    PlanningSteps,
    ContinuingHealthcareSteps,
    RepresentativeSteps,
    PaymentSteps,
    MonitoringSteps,
    VariationSteps,
    ReviewSteps,
    SafeguardingSteps,
    CorrectionSteps,
    RestrictionSteps,
    RetentionSteps,
    EndingSteps,
    MoveSteps,
    DocumentSteps,
    Aggregate,
):
    state: CaseState

    def __init__(self) -> None:
        # State is built by ReferralReceived.apply; the constructor is only the library's hook.
        pass

    @classmethod
    def receive_referral(
        cls,
        ctx: CommandContext,
        *,
        case_id: UUID,
        council_code: str,
        team: str,
        route: ReferralRoute,
        reason: str,
        adult_id: str,
        adult_name: str,
        adult_date_of_birth: date,
        primary_support_reason: PrimarySupportReason | None,
        council_person_id: str | None = None,
        nhs_number: str | None = None,
        people: PersonIndex | None = None,
    ) -> Case:
        episodes = [] if people is None else people.episodes_of(episode_keys(council_person_id, nhs_number))
        a_person_may_have_only_one_open_case(episodes, case_id.hex)
        known_as, earlier_cases = adult_across_cases(case_id.hex, adult_id, council_person_id, episodes)
        fields: dict[str, Any] = dict(
            council_code=council_code,
            team=team,
            route=route,
            reason=reason,
            adult_id=adult_id,
            adult_name=adult_name,
            adult_date_of_birth=adult_date_of_birth,
            primary_support_reason=primary_support_reason,
            council_person_id=known_as,
            nhs_number=nhs_number,
            earlier_cases=earlier_cases,
            command_id=ctx.command_id,
            command_name=ctx.command_name,
            command_digest=ctx.command_digest,
            actor=ctx.actor,
            effective_at=ctx.effective_at,
            timestamp=ctx.recorded_at,
        )
        # As in Recording._record: the library's typing does not declare an event's dataclass fields.
        provisional = cls.ReferralReceived(  # type: ignore[call-arg]
            originator_id=case_id,
            originator_version=cls.INITIAL_VERSION,
            originator_topic=get_topic(cls),
            chain_hash="",
            **fields,
        )
        link, stored = link_of(provisional, GENESIS_HASH, ctx.sealer, adult_id)
        case = cls._create(cls.ReferralReceived, id=case_id, chain_hash=link, **fields)
        carry_stored_form(case._pending_events[-1], stored)
        return case


class CaseSnapshot(Snapshot):
    """A snapshot holds the case's one state model as JSON, so it needs no special transcoding.
    That state holds every person's personal data: the store seals it whole under the adult's key."""

    personal_fields: ClassVar[tuple[str, ...]] = ("state",)

    @classmethod
    def take(cls, aggregate: MutableOrImmutableAggregate[UUID]) -> Self:
        assert isinstance(aggregate, Case), f"a case snapshot is taken of a Case, not a {type(aggregate).__name__}"
        return cls(
            originator_id=aggregate.id,
            originator_version=aggregate.version,
            timestamp=aggregate.modified_on,
            topic=get_topic(type(aggregate)),
            state={
                "created_on": aggregate.created_on.isoformat(),
                "modified_on": aggregate.modified_on.isoformat(),
                "case": aggregate.state.model_dump(mode="json"),
            },
        )

    def mutate(self, _: None) -> Case:
        cls: type[Case] = resolve_topic(self.topic)
        case = object.__new__(cls)
        case.__base_init__(
            self.originator_id, self.originator_version, datetime.fromisoformat(self.state["created_on"])
        )
        case.modified_on = datetime.fromisoformat(self.state["modified_on"])
        case.state = CaseState.model_validate(without_processed_commands(self.state["case"]))
        return case


def without_processed_commands(state: dict[str, Any]) -> dict[str, Any]:
    """A case's state as a snapshot taken before December 2026 held it, with the commands it had
    recorded, which are kept beside its events now (eventstore.commands): read without them."""
    if "processed_commands" not in state:
        return state
    return {name: value for name, value in state.items() if name != "processed_commands"}


FrozenCase = tuple[int, datetime, datetime, bytes]


def freeze_case(case: Case) -> FrozenCase:
    """A case as version, times and state JSON: pydantic-core reads the JSON back far faster than
    a deep copy of the model, and the frozen form can never be changed by a command."""
    return case.version, case.created_on, case.modified_on, case.state.model_dump_json().encode()


def thaw_case(case_id: UUID, frozen: FrozenCase) -> Case:
    version, created_on, modified_on, state = frozen
    case = object.__new__(Case)
    case.__base_init__(case_id, version, created_on)
    case.modified_on = modified_on
    case.state = CaseState.model_validate_json(state)
    return case


def copy_of(case: Case) -> Case:
    """A separate copy of a case to try a command on."""
    return thaw_case(case.id, freeze_case(case))


# The library takes snapshots with the aggregate's own ``Snapshot`` class, which it defines itself;
# ours stores the one state model as JSON instead of the object's attributes.
Case.Snapshot = CaseSnapshot
