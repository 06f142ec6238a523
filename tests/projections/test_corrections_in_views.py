"""A corrected fact about a person is what every view shows from the correction on, while the audit
timeline keeps the original line beside the correction's. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from domain.application import CaseRecord
from domain.timeline import timeline_entry
from projections.store import ViewStore
from tests.builders import ADULT, Scenario
from tests.projections.story import current_case_rows, expected_current_case, runner, timeline_rows


def names_in_views(store: ViewStore, case_id: str) -> tuple[set[str], dict[str, str]]:
    with store.transaction() as cursor:
        on_worklist = {
            row[0]
            for row in cursor.execute("SELECT adult_name FROM view_worklist WHERE case_id = ?", (case_id,)).fetchall()
        }
        people = dict(
            cursor.execute(
                "SELECT person_id, name FROM view_current_case_person WHERE case_id = ?", (case_id,)
            ).fetchall()
        )
    return on_worklist, people


def test_the_views_show_the_corrected_names_and_the_timeline_shows_both(record: CaseRecord, view_store: ViewStore):
    s = Scenario()
    views = runner(record, view_store)
    for command in [s.referral(), s.screen(), s.identify_carer()]:
        record.handle(command)
    views.run_until_caught_up()
    assert names_in_views(view_store, s.case_id.hex) == (
        {"Margaret Oduya"},
        {ADULT: "Margaret Oduya", "carer-1": "Daniel Oduya"},
    )
    carer = next(e for e in record.stored_events(s.case_id) if type(e).__name__ == "CarerIdentified")

    record.handle(s.correct(1, "adult_name", "Margaret Oduya-Bell"))
    record.handle(s.correct(carer.originator_version, "name", "Danny Oduya", reason="the name he goes by"))
    views.run_until_caught_up()

    case = record.get_case(s.case_id)
    row = current_case_rows(view_store)[s.case_id.hex]
    assert row["adult_name"] == "Margaret Oduya-Bell"
    assert row == expected_current_case(case.state, case.version)
    on_worklist, people = names_in_views(view_store, s.case_id.hex)
    assert on_worklist == {"Margaret Oduya-Bell"}  # the worklist still has work on the case
    assert people == {ADULT: "Margaret Oduya-Bell", "carer-1": "Danny Oduya"}

    timeline = timeline_rows(view_store, s.case_id.hex)
    assert timeline == [tuple(timeline_entry(e).model_dump().values()) for e in record.stored_events(s.case_id)]
    summaries = {version: summary for version, *_, summary in timeline}
    assert "adult name: Margaret Oduya;" in summaries[1]
    assert "name: Daniel Oduya;" in summaries[carer.originator_version]
    assert [row[3] for row in timeline[-2:]] == ["RecordedFactCorrected", "RecordedFactCorrected"]
    assert timeline[-1][7] == (
        f"corrects CarerIdentified (version {carer.originator_version}), name: Daniel Oduya → Danny Oduya; "
        "reason: the name he goes by"
    )
