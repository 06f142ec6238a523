"""The case access view keeps each case's need-to-know facts as the domain works them out, and the
SQL that narrows a list says exactly what ``domain.need_to_know.within_reach`` says, case by case,
on both stores."""

from __future__ import annotations

import itertools
import uuid

from domain.application import CaseRecord
from domain.need_to_know import CaseAccess, Reader, access_of, reach_of, within_reach
from domain.people import Role
from projections.case_access import ACCESS, NAMED, CaseAccessView, access_to, cases_within
from projections.store import ViewStore
from tests.builders import MANAGER, PANEL, Scenario
from tests.projections.story import runner

TEAMS = ("east-locality", "west-locality")
PEOPLE = ("sw-ayesha", "sw-ben", "tm-morgan")


def every_kind_of_case() -> list[CaseAccess]:
    cases = []
    for team, worker, sign_off, money, named in itertools.product(
        TEAMS, (None, *PEOPLE), (False, True), (False, True), ((), ("sw-ben",), ("sw-ayesha", "tm-morgan"))
    ):
        cases.append(
            CaseAccess(
                case_id=uuid.uuid4().hex,
                team=team,
                worker_id=worker,
                reached_sign_off=sign_off,
                has_money=money,
                restricted=bool(named),
                restricted_to=named,
            )
        )
    return cases


def every_kind_of_reader() -> list[Reader]:
    readers = [Reader(user_id=user, role=role) for role in Role for user in ("someone", *PEOPLE)]
    for role, user, teams in itertools.product(
        (Role.SOCIAL_WORKER, Role.TEAM_MANAGER), PEOPLE, ((), ("east-locality",), TEAMS)
    ):
        readers.append(Reader(user_id=user, role=role, teams=teams))
    return readers


def test_the_list_filter_agrees_with_the_decision_for_every_reader_and_case(record: CaseRecord, view_store: ViewStore):
    cases = every_kind_of_case()
    with view_store.transaction() as cursor:
        CaseAccessView().create_tables(cursor)
        for case in cases:
            cursor.execute(
                f"INSERT INTO {ACCESS} (case_id, team, worker_id, reached_sign_off, has_money, restricted, version) "
                "VALUES (?, ?, ?, ?, ?, ?, 1)",
                (
                    case.case_id,
                    case.team,
                    case.worker_id,
                    int(case.reached_sign_off),
                    int(case.has_money),
                    int(case.restricted),
                ),
            )
            for user in case.restricted_to:
                cursor.execute(f"INSERT INTO {NAMED} (case_id, user_id) VALUES (?, ?)", (case.case_id, user))
    with view_store.read() as cursor:
        for reader in every_kind_of_reader():
            reach = reach_of(reader)
            expected = {c.case_id for c in cases if within_reach(reach, c)}
            assert cases_within(cursor, reach) == expected, reader
            for case in cases[:12]:
                assert access_to(cursor, case.case_id) == case


def test_the_view_holds_what_the_case_state_says(record: CaseRecord, view_store: ViewStore):
    s = Scenario()
    referral, *to_planning = s.up_to_planning()
    commands = [referral, s.allocate("sw-ben", team="west-locality"), s.restrict(["tm-morgan", "sw-ben"])]
    commands += [
        *to_planning,
        s.draft(),
        s.submit(),
        s.sign_off(route="panel", actor=PANEL),
        s.lift_restriction(actor=MANAGER),
    ]
    views = runner(record, view_store)
    seen = []
    for command in commands:
        record.handle(command)
        views.run_until_caught_up()
        with view_store.read() as cursor:
            stored = access_to(cursor, s.case_id.hex)
        assert stored == access_of(record.get_case(s.case_id).state)
        seen.append((stored.team, stored.restricted, stored.has_money, stored.reached_sign_off))
    assert seen[0] == ("east-locality", False, False, False)
    assert seen[2] == ("west-locality", True, False, False)
    assert ("west-locality", True, True, True) in seen and seen[-1] == ("west-locality", False, True, True)
