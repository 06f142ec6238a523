"""Running a policy simulation over the open cases, for the API and ``carecase policy simulate``.

The candidate is validated as a publication would be (``CaseRecord.valid_rule_set``: its shape,
every amount within the council's maximum) but is never published; the baseline is the version of the same rule set in
force on the day. The open cases within the caller's reach are listed from the current-case view,
read from the case record a batch at a time with no personal value opened
(``CaseRecord.cases_for_figures``), and priced by ``domain.policy_simulation``. Nothing is written
anywhere: no event, no view row (decision 0039).

The output is a stream of lines: one ``simulation`` line (the candidate, the baseline, the scope
and how many cases will follow), one ``case`` line per case, and a ``totals`` line at the end. As
CSV: one row per person priced, then one row per group of the totals.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from domain.application import CaseRecord
from domain.need_to_know import Reach
from domain.policy_simulation import SimulationTotals, simulate_case
from domain.ras.rule_set import RuleSet
from projections.current_case import open_case_ids
from projections.store import ViewStore

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Simulation:
    candidate: RuleSet
    baseline: RuleSet
    on: date
    scope: dict[str, Any]
    case_ids: list[str]

    def header(self) -> dict[str, Any]:
        return {
            "record": "simulation",
            "on": self.on.isoformat(),
            "rule_set_id": self.candidate.id,
            "candidate": _named(self.candidate),
            "baseline": _named(self.baseline),
            "scope": self.scope,
            "open_cases": len(self.case_ids),
            "recorded": "nothing: no event, no view row",
        }


def _named(rule_set: RuleSet) -> dict[str, Any]:
    return {
        "version": rule_set.version,
        "effective_from": rule_set.effective_from.isoformat(),
        "content_hash": rule_set.content_hash,
    }


def prepare(
    record: CaseRecord, views: ViewStore, content: bytes, *, reach: Reach, scope: dict[str, Any], on: date
) -> Simulation:
    """Validate the candidate, find its baseline and the cases to price; refuses before anything is read."""
    candidate = record.valid_rule_set(content)
    baseline = record.services.rule_sets.current(candidate.id, on=on)
    with views.read() as cursor:
        case_ids = open_case_ids(cursor, reach)
    return Simulation(candidate=candidate, baseline=baseline, on=on, scope=scope, case_ids=case_ids)


def lines(record: CaseRecord, simulation: Simulation, progress: Progress | None = None) -> Iterator[dict[str, Any]]:
    """The header, each case priced, then the totals."""
    yield simulation.header()
    totals = SimulationTotals()
    ids = [UUID(case_id) for case_id in simulation.case_ids]
    done = 0
    for case in record.cases_for_figures(ids):
        if case.state.closed:  # closed since the view was read
            continue
        result = simulate_case(case.state, baseline=simulation.baseline, candidate=simulation.candidate)
        totals.add(result)
        done += 1
        if progress is not None:
            progress(done, len(ids))
        if result is not None:
            yield {"record": "case", **result.model_dump(mode="json")}
    yield {"record": "totals", **totals.as_dict()}


def json_document(stream: Iterator[dict[str, Any]]) -> Iterator[str]:
    """The lines as one JSON document, written as they come: ``{"simulation": …, "cases": […],
    "totals": …}``."""
    yield '{"simulation": ' + json.dumps(next(stream)) + ',\n "cases": ['
    first = True
    for line in stream:
        if line["record"] == "totals":
            yield '],\n "totals": ' + json.dumps(line) + "}\n"
            return
        yield ("\n  " if first else ",\n  ") + json.dumps(line)
        first = False


CSV_COLUMNS = (
    "record",
    "case_id",
    "person_id",
    "kind",
    "team",
    "client_type",
    "budget_band",
    "priced_with_version",
    "old_pence",
    "new_pence",
    "difference_pence",
    "old_council_pence",
    "new_council_pence",
    "old_exceeds_cap",
    "new_exceeds_cap",
    "cases",
    "up",
    "down",
    "unchanged",
    "council_difference_pence",
    "problem",
    "explanation",
)


def csv_rows(stream: Iterator[dict[str, Any]]) -> Iterator[str]:
    """The lines as CSV text, a row at a time: ``person`` rows, then ``total`` rows (the whole
    scope, then each team, client type and budget band); the header line is a ``#`` comment."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")

    def row(values: dict[str, Any]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(values)
        return buffer.getvalue()

    for line in stream:
        if line["record"] == "simulation":
            candidate, baseline = line["candidate"], line["baseline"]
            yield (
                f"# policy simulation of {line['rule_set_id']} {candidate['version']} ({candidate['content_hash']}) "
                f"against {baseline['version']} ({baseline['content_hash']}) on {line['on']}; "
                f"{line['open_cases']} open case(s); nothing recorded\n"
            )
            yield row({c: c for c in CSV_COLUMNS})
        elif line["record"] == "case":
            where = {k: line[k] for k in ("case_id", "team", "client_type", "budget_band")}
            for person in line["people"]:
                yield row({"record": "person", **where, **person})
            for refused in line["not_priced"]:
                yield row(
                    {"record": "person", **where, **refused, "problem": f"{refused['code']}: {refused['message']}"}
                )
        else:
            yield row({**line, "record": "total", "team": "all"})
            for dimension, groups in line["by"].items():
                for key, group in groups.items():
                    yield row({**group, "record": "total", dimension: key})
