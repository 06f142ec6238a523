"""A council's policy record: the rule sets it has published, one hash-chained stream per council.

Publishing a rule set is a recorded act (decision 0034): an administrator (or, once, the system
recording the rule sets the release shipped) publishes the exact bytes of a rule set file, with
why and from when; the event holds the file's text and its SHA-256, so the store is where a
published version lives and a file on disk can only ever be checked against it. A version is
published once: never edited, never back-dated. Each council's publications are one stream in
the case record's store, chained like a case's events, so ``carecase audit verify`` covers it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic
from pydantic import BaseModel, ConfigDict

from domain.canonical import GENESIS_HASH, chain_hash, stored_state
from domain.commands.base import amounts_in
from domain.errors import InvalidInput, RuleViolation
from domain.money import format_pounds
from domain.people import Actor, Role
from domain.ras import RuleSet, parse_rule_set

POLICY_NAMESPACE = uuid5(NAMESPACE_URL, "https://carecase.invalid/council-policy")
PUBLISHERS = frozenset({Role.ADMIN, Role.SYSTEM})
# Why the system publishes the rule sets a release ships, at the first start that finds none.
BOOTSTRAP_REASON = "the rule set shipped with the release, in force before publishing was recorded"


def policy_stream_id(council: str) -> UUID:
    """The id of a council's policy stream, from the council's name as its rule sets give it."""
    return uuid5(POLICY_NAMESPACE, f"policy:{council}")


class Publication(BaseModel):
    """One published version, as the policy record holds it."""

    model_config = ConfigDict(frozen=True)

    rule_set_id: str
    version: str
    council: str
    effective_from: date
    content: str
    content_hash: str
    reason: str
    published_by: Actor
    published_at: datetime
    stream_version: int

    def rule_set(self) -> RuleSet:
        return parse_rule_set(self.content.encode("utf-8"))


# The rules of publishing -------------------------------------------------------------------------


def only_an_admin_publishes_policy(actor: Actor) -> None:
    if actor.role not in PUBLISHERS:
        raise RuleViolation(
            f"a {actor.role.value} may not publish council policy: an admin publishes it",
            code="policy_published_by_admins_only",
            field="published_by",
        )


def rule_set_amounts_within_council_maximum(rule_set: RuleSet, maximum_pence: int) -> None:
    """Every amount of a rule set is whole pence (its types) and no more than the council allows
    for one amount (the same maximum every command's amounts are held to)."""
    for field, amount in amounts_in(rule_set, ""):
        if amount > maximum_pence:
            raise InvalidInput(
                f"{field}: {format_pounds(amount)} is above the council's maximum of {format_pounds(maximum_pence)}",
                code="rule_set_amount_above_council_maximum",
                field=field,
                details={"amount_pence": amount, "maximum_pence": maximum_pence},
            )


def published_rule_sets_are_never_back_dated(rule_set: RuleSet, today: date) -> None:
    if rule_set.effective_from < today:
        raise InvalidInput(
            f"{rule_set.id} {rule_set.version} would take effect on {rule_set.effective_from.isoformat()}, "
            f"before today ({today.isoformat()}): a published version cannot be back-dated",
            code="rule_set_back_dated",
            field="effective_from",
            details={"effective_from": rule_set.effective_from.isoformat(), "today": today.isoformat()},
        )


def a_published_version_is_never_changed(published: Publication, content_hash: str) -> None:
    if published.content_hash != content_hash:
        raise RuleViolation(
            f"{published.rule_set_id} {published.version} is already published with content "
            f"{published.content_hash}; this file is {content_hash}: publish a new version instead",
            code="rule_set_version_exists",
            field="version",
            details={"published_hash": published.content_hash, "offered_hash": content_hash},
        )


# The stream --------------------------------------------------------------------------------------


class _Chained:
    """Keeps the stream's chain head after each event, as a case does."""

    chain_hash: str

    def mutate(self, aggregate: Any) -> Any:
        mutated = super().mutate(aggregate)  # type: ignore[misc]
        mutated.chain_head = self.chain_hash
        return mutated


class CouncilPolicy(Aggregate):
    """Every rule set one council has published, in the order it published them."""

    def __init__(self, council: str) -> None:
        self.council = council
        self.chain_head = GENESIS_HASH
        self.publications: dict[tuple[str, str], Publication] = {}

    class PolicyRecordOpened(_Chained, Aggregate.Created):
        """The council's policy record was opened, with its first publication."""

        council: str
        actor: Actor
        chain_hash: str

    class RuleSetPublished(_Chained, Aggregate.Event):
        """A version of a council's RAS rule set was published: its exact text and hash, who published
        it and why, and the day it takes effect (never before)."""

        rule_set_id: str
        version: str
        council: str
        effective_from: date
        content: str
        content_hash: str
        reason: str
        published_by: Actor
        chain_hash: str

        def apply(self, policy: CouncilPolicy) -> None:
            policy.publications[(self.rule_set_id, self.version)] = Publication(
                rule_set_id=self.rule_set_id,
                version=self.version,
                council=self.council,
                effective_from=self.effective_from,
                content=self.content,
                content_hash=self.content_hash,
                reason=self.reason,
                published_by=self.published_by,
                published_at=self.timestamp,
                stream_version=self.originator_version,
            )

    @classmethod
    def open(cls, council: str, actor: Actor, at: datetime) -> CouncilPolicy:
        stream_id = policy_stream_id(council)
        fields: dict[str, Any] = {"council": council, "actor": actor, "timestamp": at}
        provisional = cls.PolicyRecordOpened(  # type: ignore[call-arg]
            originator_id=stream_id,
            originator_version=cls.INITIAL_VERSION,
            originator_topic=get_topic(cls),
            chain_hash="",
            **fields,
        )
        link = _link(provisional, GENESIS_HASH)
        return cls._create(cls.PolicyRecordOpened, id=stream_id, chain_hash=link, **fields)

    def publish(
        self, content: bytes, rule_set: RuleSet, *, actor: Actor, reason: str, at: datetime, back_dating_allowed: bool
    ) -> Publication | None:
        """Record the publication; None if this exact content is already published (a repeat)."""
        only_an_admin_publishes_policy(actor)
        published = self.publications.get((rule_set.id, rule_set.version))
        if published is not None:
            a_published_version_is_never_changed(published, rule_set.content_hash)
            return None
        if not back_dating_allowed:
            published_rule_sets_are_never_back_dated(rule_set, at.date())
        fields: dict[str, Any] = {
            "rule_set_id": rule_set.id,
            "version": rule_set.version,
            "council": rule_set.council,
            "effective_from": rule_set.effective_from,
            "content": content.decode("utf-8"),
            "content_hash": rule_set.content_hash,
            "reason": reason,
            "published_by": actor,
            "timestamp": max(at, self.modified_on + timedelta(microseconds=1)),
        }
        provisional = self.RuleSetPublished(  # type: ignore[call-arg]
            originator_id=self.id, originator_version=self.version + 1, chain_hash="", **fields
        )
        self.trigger_event(self.RuleSetPublished, chain_hash=_link(provisional, self.chain_head), **fields)
        return self.publications[(rule_set.id, rule_set.version)]


def _link(provisional: Any, previous: str) -> str:
    return chain_hash(
        previous,
        get_topic(type(provisional)),
        provisional.originator_id.hex,
        provisional.originator_version,
        stored_state(provisional),
    )
