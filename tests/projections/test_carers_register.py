"""The carers register says what each case says about its carers, after every command, and its
figures are the counts a council reports. Expectations come from the case (``CaseState`` and the
stored events), never from the projection. Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from domain import commands as c
from domain.application import CaseRecord
from domain.commands import CouncilSettings
from projections.carers_register import (
    CarersRegisterView,
    ended_by_reason,
    register_figures,
    register_figures_by_month,
)
from projections.runner import ProjectionRunner
from projections.store import ViewStore
from tests.builders import ADULT, MANAGER, Scenario
from tests.domain.story import CARER_BUDGET_PENCE, carer_plan
from tests.projections.story import a_long_case, a_short_case, interleaved

COLUMNS = (
    "case_id",
    "carer_id",
    "young_carer",
    "team",
    "council_code",
    "identified_at",
    "referred_to_childrens_services_at",
    "told_of_right_at",
    "offered_at",
    "declined",
    "last_declined_at",
    "requested_at",
    "assessment",
    "assessed_at",
    "eligible",
    "supported",
    "support_pence",
    "involvement_ended_on",
    "involvement_end_reason",
    "updated_at",
)
TABLES = {
    "view_carers_register": "case_id, carer_id",
    "projection_tracking": "projection",
}
OTHER_COUNCIL = "E06000001"


def a_carer_supported_in_their_own_right(s: Scenario, team: str = "east-locality") -> list[c.CaseCommand]:
    """carer-1's own plan is signed off, its amount revised on challenge and paid as a direct
    payment; the case moves to the west team; a review reassesses them (the sign-off lifts, the
    payment carries on), the agreement ends, a new sign-off follows; a carer identified late; then
    closure."""
    carer_agreement = s.agreement(
        "carer-1",
        agreement_id="dp-2",
        frequency="annual",
        amount_per_payment_pence=CARER_BUDGET_PENCE,
    )
    return [
        s.referral(team=team),
        s.screen(),
        s.identify_carer("carer-1"),
        s.start_adult(),
        s.complete_adult(),
        s.accept("carer-1"),
        s.start_carer("carer-1"),
        s.complete_carer("carer-1"),
        s.eligibility(),
        s.eligibility("carer-1"),
        s.budget(),
        s.budget("carer-1"),
        s.finances(),
        s.direct_payment_request(),
        s.direct_payment_request("carer-1"),
        s.draft(),
        s.draft("carer-1", plan=carer_plan()),
        s.submit(),
        s.submit("carer-1"),
        s.sign_off(),
        s.sign_off("carer-1"),
        s.challenge("carer-1"),
        s.resolve("carer-1", revised_pence=80_000),
        s.agreement(),
        carer_agreement,
        s.allocate("sw-ben", team="west-locality"),  # the register follows the case to its new team
        s.schedule_review(person_ids=[ADULT, "carer-1"]),
        s.complete_review(outcome="reassess"),
        s.start_carer("carer-1"),
        s.complete_carer("carer-1"),
        s.end_agreement(agreement_id="dp-2"),
        s.start_adult(),
        s.complete_adult(),
        s.eligibility(),
        s.eligibility("carer-1"),
        s.budget("carer-1"),
        s.budget(),
        s.finances(),
        s.submit("carer-1"),
        s.sign_off("carer-1"),
        s.identify_carer(
            "carer-4",
            name="Ruth Oduya",
            date_of_birth="1975-02-02",
            relationship_to_adult="daughter-in-law",
            lives_with_adult=False,
        ),
        s.close(actor=MANAGER),  # the adult's direct payment still runs: a team manager closes
    ]


def expected_register(record: CaseRecord, case_id: UUID) -> dict[tuple[str, str], dict[str, Any]]:
    """Each carer's row from the case: state for where things stand, stored events for when."""
    state = record.get_case(case_id).state
    events = record.stored_events(case_id)
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for carer in state.carers():
        about = [e for e in events if getattr(e, "carer_id", None) == carer.person_id]

        def times(event_type: str, *, told: bool = False, about: list[Any] = about) -> list[str]:
            return [
                e.timestamp.isoformat()
                for e in about
                if type(e).__name__ == event_type and (not told or e.told_of_right)
            ]

        offers, told, declines, requests = (
            times("CarerAssessmentOffered"),
            times("CarerAssessmentOffered", told=True),
            times("CarerAssessmentDeclined"),
            times("CarerAssessmentRequested"),
        )
        referred = times("YoungCarerReferredToChildrensServices")
        agreement_in_force = any(
            a.person_id == carer.person_id and a.status != "stopped" for a in state.agreements.values()
        )
        rows[(case_id.hex, carer.person_id)] = {
            "case_id": case_id.hex,
            "carer_id": carer.person_id,
            "young_carer": int(carer.young_carer),
            "team": state.team,
            "council_code": state.council_code,
            "identified_at": times("CarerIdentified")[0],
            "referred_to_childrens_services_at": referred[0] if referred else None,
            "told_of_right_at": told[0] if told else None,
            "offered_at": offers[0] if offers else None,
            "declined": len(declines),
            "last_declined_at": declines[-1] if declines else None,
            "requested_at": requests[-1] if requests else None,
            "assessment": carer.assessment.value,
            "assessed_at": carer.assessment_completed_at.isoformat() if carer.assessment_completed_at else None,
            "eligible": None if carer.eligibility is None else int(carer.eligibility.eligible),
            "supported": int(
                not state.closed
                and carer.involvement_ended_on is None
                and (carer.sign_off is not None or agreement_in_force)
            ),
            "support_pence": carer.sign_off.approved_pence if carer.sign_off is not None else None,
            "involvement_ended_on": carer.involvement_ended_on.isoformat() if carer.involvement_ended_on else None,
            "involvement_end_reason": carer.involvement_end_reason.value if carer.involvement_end_reason else None,
        }
    return rows


def register_rows(store: ViewStore) -> dict[tuple[str, str], dict[str, Any]]:
    with store.transaction() as cursor:
        rows = cursor.execute(f"SELECT {', '.join(COLUMNS)} FROM view_carers_register").fetchall()
    return {(row[0], row[1]): dict(zip(COLUMNS, row, strict=True)) for row in rows}


def figures(store: ViewStore, **where: str) -> dict[str, int]:
    with store.transaction() as cursor:
        return register_figures(cursor, **where).model_dump()


def dump(store: ViewStore) -> dict[str, list[tuple[Any, ...]]]:
    return {table: store.dump(table, order_by) for table, order_by in TABLES.items()}


def register(record: CaseRecord, store: ViewStore) -> ProjectionRunner:
    return ProjectionRunner(record, store, [CarersRegisterView()])


def test_the_register_agrees_with_each_case_after_every_command(record: CaseRecord, view_store: ViewStore):
    long, supported, short = Scenario(), Scenario(), Scenario()
    views = register(record, view_store)
    expected: dict[tuple[str, str], dict[str, Any]] = {}

    for command in interleaved(a_long_case(long), a_carer_supported_in_their_own_right(supported), a_short_case(short)):
        outcome = record.handle(command)
        views.run_until_caught_up()
        # A row changed by the command was updated by one of its events (a closure ends each
        # carer's involvement, one event each, before the case closes).
        recorded = {e.timestamp.isoformat() for e in record.stored_events(command.case_id)[-len(outcome.events) :]}
        rows = register_rows(view_store)
        for key, row in expected_register(record, command.case_id).items():
            before = expected.get(key)
            unchanged = before is not None and {k: v for k, v in before.items() if k != "updated_at"} == row
            if unchanged:
                expected[key] = {**row, "updated_at": before["updated_at"]}
            else:
                assert rows[key]["updated_at"] in recorded, (command.type_name(), key)
                expected[key] = {**row, "updated_at": rows[key]["updated_at"]}
        assert rows == expected, command.type_name()


def test_a_carers_story_moves_through_the_register_as_the_case_says(record: CaseRecord, view_store: ViewStore):
    s = Scenario()
    steps = a_carer_supported_in_their_own_right(s)
    views = register(record, view_store)
    key = (s.case_id.hex, "carer-1")

    def after(command_type: str, nth: int = 1) -> dict[str, Any]:
        """Record up to the nth command of that type, and read carer-1's row."""
        while True:
            command = steps.pop(0)
            record.handle(command)
            if command.type_name() == command_type:
                nth -= 1
                if nth == 0:
                    views.run_until_caught_up()
                    return register_rows(view_store)[key]

    row = after("IdentifyCarer")
    assert (row["assessment"], row["told_of_right_at"] == row["offered_at"] == row["updated_at"]) == ("offered", True)
    assert row["told_of_right_at"] > row["identified_at"]
    row = after("RecordSignOffDecision", 2)
    assert (row["eligible"], row["supported"], row["support_pence"]) == (1, 1, CARER_BUDGET_PENCE)
    row = after("ResolveChallenge")
    assert (row["supported"], row["support_pence"]) == (1, 80_000)
    row = after("CompleteReview")
    assert (row["assessment"], row["requested_at"]) == ("requested", None)  # the council asked, not the carer
    row = after("CompleteCarerAssessment")
    # The fresh assessment lifts the sign-off, but the direct payment agreement still stands.
    assert (row["assessment"], row["eligible"], row["support_pence"], row["supported"]) == ("completed", None, None, 1)
    row = after("EndDirectPaymentAgreement")
    assert row["supported"] == 0
    row = after("RecordSignOffDecision")
    assert (row["eligible"], row["supported"], row["support_pence"]) == (1, 1, CARER_BUDGET_PENCE)
    row = after("CloseCase")
    assert (row["supported"], row["support_pence"]) == (0, CARER_BUDGET_PENCE)
    assert register_rows(view_store)[(s.case_id.hex, "carer-4")]["assessment"] == "offered"


def test_a_rebuild_gives_the_same_register(record: CaseRecord, view_store: ViewStore):
    long, supported, short = Scenario(), Scenario(), Scenario()
    views = register(record, view_store)
    for command in interleaved(a_long_case(long), a_carer_supported_in_their_own_right(supported), a_short_case(short)):
        record.handle(command)
        views.run_once(batch=3)
    views.run_until_caught_up()
    built = dump(view_store)
    assert len(built["view_carers_register"]) == 5

    assert register(record, view_store).rebuild() == record.recorder.max_notification_id()

    assert dump(view_store) == built
    expected = {**expected_register(record, long.case_id), **expected_register(record, supported.case_id)}
    rows = register_rows(view_store)
    assert {k: {c: v for c, v in r.items() if c != "updated_at"} for k, r in rows.items()} == expected


def a_declined_and_a_supported_carer(s: Scenario) -> list[c.CaseCommand]:
    """West team: carer-1 assessed, eligible and signed off in their own right; carer-2 declines."""
    return [
        s.referral(team="west-locality"),
        s.screen(),
        s.identify_carer("carer-1"),
        s.identify_carer(
            "carer-2",
            name="Grace Oduya",
            date_of_birth="1970-01-05",
            relationship_to_adult="daughter",
            lives_with_adult=False,
        ),
        s.start_adult(),
        s.complete_adult(),
        s.accept("carer-1"),
        s.start_carer("carer-1"),
        s.complete_carer("carer-1"),
        s.decline("carer-2"),
        s.eligibility(),
        s.eligibility("carer-1"),
        s.budget(),
        s.budget("carer-1"),
        s.finances(),
        s.draft("carer-1", plan=carer_plan()),
        s.submit("carer-1"),
        s.sign_off("carer-1"),
    ]


def a_young_carer_and_a_carer_who_declined_then_asked(s: Scenario) -> list[c.CaseCommand]:
    """Another council, east team: a young carer referred on, and an adult carer who declined and
    later asked for an assessment (still counted as having declined)."""
    return [
        s.referral(),
        s.screen(),
        s.identify_carer("carer-1", name="Sam Oduya", date_of_birth="2013-09-09", relationship_to_adult="grandson"),
        s.identify_carer("carer-2"),
        s.decline("carer-2"),
        s.request_carer_assessment("carer-2"),
    ]


def test_register_figures_count_carers_by_council_and_team(
    record: CaseRecord, view_store: ViewStore, store_env: dict[str, str], catalogue: Any, clock: Any
):
    other = CaseRecord(store_env, rule_sets=catalogue, council=CouncilSettings(council_code=OTHER_COUNCIL), clock=clock)
    try:
        long, west, elsewhere = Scenario(), Scenario(), Scenario()
        # a_long_case (east): carer-1 assessed and eligible but never given support of their own, and the
        # case is closed; carer-2 declines twice; carer-3 is a young carer.
        steps = interleaved(
            [(record, step) for step in a_long_case(long)],
            [(record, step) for step in a_declined_and_a_supported_carer(west)],
            [(other, step) for step in a_young_carer_and_a_carer_who_declined_then_asked(elsewhere)],
        )
        for app, command in steps:
            app.handle(command)
        register(record, view_store).run_until_caught_up()
    finally:
        other.close()

    names = [
        "carers_identified",
        "carers_told_of_their_right_to_an_assessment",
        "carers_offered_an_assessment",
        "carers_who_declined_an_assessment",
        "carers_assessed",
        "carers_with_eligible_needs",
        "carers_supported_in_their_own_right",
        "young_carers_referred_to_childrens_services",
        "carers_whose_involvement_ended",
    ]

    def counts(*values: int) -> dict[str, int]:
        return dict(zip(names, values, strict=True))

    assert figures(view_store) == counts(7, 5, 5, 3, 2, 2, 1, 2, 3)
    assert figures(view_store, council_code="E09000099") == counts(5, 4, 4, 2, 2, 2, 1, 1, 3)
    assert figures(view_store, council_code=OTHER_COUNCIL) == counts(2, 1, 1, 1, 0, 0, 0, 1, 0)
    assert figures(view_store, team="east-locality") == counts(5, 3, 3, 2, 1, 1, 0, 2, 3)
    assert figures(view_store, council_code="E09000099", team="west-locality") == counts(2, 2, 2, 1, 1, 1, 1, 0, 0)
    assert figures(view_store, council_code=OTHER_COUNCIL, team="west-locality") == counts(0, 0, 0, 0, 0, 0, 0, 0, 0)

    with view_store.transaction() as cursor:
        assert ended_by_reason(cursor) == {"case_closed": 3}


def test_register_figures_by_month_count_the_carers_identified_in_each_month(
    record: CaseRecord, view_store: ViewStore, clock: Any
):
    for command in a_declined_and_a_supported_carer(Scenario()):
        record.handle(command)
    clock.advance(timedelta(days=40))  # the next case's carers are identified a month or more later
    for command in a_long_case(Scenario()):
        record.handle(command)
    register(record, view_store).run_until_caught_up()

    rows = register_rows(view_store).values()
    months = sorted({row["identified_at"][:7] for row in rows})
    assert len(months) >= 2
    with view_store.transaction() as cursor:
        by_month = register_figures_by_month(cursor)
        assert register_figures_by_month(cursor, team="nowhere") == []
        assert register_figures_by_month(cursor, council_code="E09000099") == by_month
    assert [m.month for m in by_month] == months
    for m in by_month:
        assert m.figures.carers_identified == len([r for r in rows if r["identified_at"].startswith(m.month)])
    totals = figures(view_store)
    assert {name: sum(m.figures.model_dump()[name] for m in by_month) for name in totals} == totals


def test_a_carer_who_stopped_caring_leaves_the_active_funnel_counted_as_ended_with_the_reason(
    record: CaseRecord, view_store: ViewStore
):
    s = Scenario()
    steps = a_declined_and_a_supported_carer(s)
    views = register(record, view_store)
    for command in steps:
        record.handle(command)
    views.run_until_caught_up()
    key = (s.case_id.hex, "carer-1")
    assert register_rows(view_store)[key]["supported"] == 1
    assert figures(view_store)["carers_supported_in_their_own_right"] == 1

    stopped = s.end_involvement("carer-1", reason="carer_stopped_caring", ended_on="2026-01-05")
    record.handle(stopped)
    views.run_until_caught_up()
    row = register_rows(view_store)[key]
    assert (row["supported"], row["involvement_ended_on"], row["involvement_end_reason"]) == (
        0,
        "2026-01-05",
        "carer_stopped_caring",
    )
    counted = figures(view_store)
    assert (counted["carers_supported_in_their_own_right"], counted["carers_whose_involvement_ended"]) == (0, 1)
    assert counted["carers_assessed"] == 1  # what happened before the ending is still counted
    with view_store.transaction() as cursor:
        assert ended_by_reason(cursor) == {"carer_stopped_caring": 1}
    assert register_rows(view_store) == {
        k: {**v, "updated_at": register_rows(view_store)[k]["updated_at"]}
        for k, v in expected_register(record, s.case_id).items()
    }
