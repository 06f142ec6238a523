"""``docs/asc-cld.md``: the ASC-CLD return's fields and the mapping table, printed from the data
(``asc_cld_spec``, ``asc_cld_mapping``) so the page never drifts from what the return does.
Regenerate with ``carecase returns asc-cld-doc > docs/asc-cld.md``; ``tests/unit`` checks it."""

from __future__ import annotations

from domain.returns.asc_cld_mapping import TABLES
from domain.returns.asc_cld_spec import FIELDS, FieldSpec, Format

INTRO = """# The ASC-CLD return

The Adult Social Care Client Level Data return, quarterly since April 2023, each file the rolling
twelve months to its period end: one row per request, assessment, service and review of the adults
and carers the council supports (decision 0045).

- `carecase returns asc-cld --period-end 2026-12-31 --out asc-cld.csv` writes the file and its
  validation report beside it (`asc-cld.report.json`).
- `GET /returns/asc-cld?period_end=2026-12-31` answers the file as CSV, and
  `GET /returns/asc-cld/report?period_end=2026-12-31` its report (a returns officer or an admin).
  Every read is a row in the access log with the ids of the cases the return drew on.
- The report counts the rows by event type, names each field failing a mandatory or a value check
  (with up to ten Event_References each) and lists the people without an NHS number.

What makes a row (`domain/returns/asc_cld.py`): a referral is a request once screened; an adult's
needs assessment or a carer's assessment once completed; each line of a signed-off plan, a period
of reablement and urgent interim support are services, running until a newer signed-off plan, the
line's end, the person's involvement ending or the case closing ends them; a completed review is a
row for each person it reviewed. Requests, assessments and reviews count once they ended in the
period; services when they ran on any day of it (one still running at the period end is reported
open). Withdrawn, refused and cancelled events make no row. `Event_Reference` is the case id and
the version of the event the row began with (a service's line, a review's person after it), so
every run for a period gives the same references.

What the record did not hold and now does: a person's gender, ethnicity, accommodation and
employment status, postcode, GP practice and known conditions (`record-person-details`, sealed
like every personal value). The client funding status comes from the s.26 statement (the person's
assessed contribution against the cost); hours caring a week from the carer's assessment; the
linked adults from the cases a carer is on (their council person ids); a date of death from an
ending or a closure for that reason. `Event_Description` is left blank: it would be free text
about a person. The return's finer primary support reasons are not recorded (the referral keeps
the six headings), so each heading goes to one reason (the table below).

Where the facts are from: the field names, their order and modules are the DHSC's data-quality
code (DataS-DHSC/ASC-CLD-LA-Dashboard, `Stored_procedures/create_GetDQValues_procedure.sql`); code
lists marked DHSC are the release 2 values that code and its methodology name. The mandatory flags
and the lists marked SPEC are from the published specification's text, to be checked against the
specification workbook of the release in force.

Regenerate this page with `carecase returns asc-cld-doc > docs/asc-cld.md`.
"""


def _mandatory(spec: FieldSpec) -> str:
    return {"always": "yes", "when_ended": "once ended", "no": "no"}[spec.mandatory]


def _applies(spec: FieldSpec) -> str:
    events = "all" if len(spec.events) == 4 else ", ".join(sorted(e.value for e in spec.events))
    clients = "all" if len(spec.clients) == 3 else ", ".join(sorted(c.value for c in spec.clients))
    return f"{events}; {clients}"


def asc_cld_markdown() -> str:
    lines = [
        INTRO,
        "## The fields",
        "",
        "| field | module | applies to (events; clients) | mandatory | values | source |",
    ]
    lines.append("|---|---|---|---|---|---|")
    for spec in FIELDS:
        values = f"{len(spec.values)} codes" if spec.format == Format.CODE_LIST else spec.format.value
        note = f" ({spec.note})" if spec.note else ""
        cells = (f"`{spec.name}`", spec.module, _applies(spec), _mandatory(spec) + note, values, spec.source)
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "## The code lists", ""]
    for spec in FIELDS:
        if spec.values:
            lines.append(f"- `{spec.name}`: " + "; ".join(f"{v}" for v in spec.values))
    lines += ["", "## From the product's words to the return's codes", ""]
    for field_name, words, table in TABLES:
        lines += [f"### {field_name}, from {words}", "", "| product | return |", "|---|---|"]
        for key, code in table.items():
            lines.append(f"| `{getattr(key, 'value', key)}` | {code if code else '(left blank)'} |")
        lines.append("")
    return "\n".join(lines)
