"""The ``carecase`` command line: each invocation wires what it needs through ``config.bootstrap``."""

from __future__ import annotations

import json
import os
import sys
from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import typer
from pydantic import TypeAdapter

from config.bootstrap import build_case_record
from domain.application import CaseRecord
from domain.catalogue import catalogue_markdown, event_catalogue
from domain.errors import DomainError, InvalidInput
from domain.people import Role
from domain.policy import policy_stream_id
from domain.timeline import TimelineEntry, timeline_entry

if TYPE_CHECKING:
    from api.access_log import AccessLog
    from config.checkpoint_settings import CheckpointSettings
    from config.settings import Settings
    from projections.base import Projection
    from projections.store import ViewStore

app = typer.Typer(help="carecase: the case record for personal budgets and direct payments", no_args_is_help=True)
audit_app = typer.Typer(help="Auditors' checks: hash chains and as-of reconstruction", no_args_is_help=True)
ras_app = typer.Typer(help="Resource allocation: verify recorded budget calculations", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
keys_app = typer.Typer(help="API keys: one per user, in one role", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
ops_app = typer.Typer(help="Operations: what is overdue, stuck or quarantined", no_args_is_help=True)
app.add_typer(ops_app, name="ops")
app.add_typer(ras_app, name="ras")
projections_app = typer.Typer(help="The read side: views built from the event store", no_args_is_help=True)
app.add_typer(projections_app, name="projections")
retention_app = typer.Typer(
    help="The council's retention rule: personal data erased after closure", no_args_is_help=True
)
app.add_typer(retention_app, name="retention")
db_app = typer.Typer(help="The product's own schema: its version and the migrations to apply", no_args_is_help=True)
app.add_typer(db_app, name="db")
export_app = typer.Typer(help="A person's record exported for them or the council they move to", no_args_is_help=True)
app.add_typer(export_app, name="export")
policy_app = typer.Typer(help="Council policy: publish a RAS rule set, see what is published", no_args_is_help=True)
app.add_typer(policy_app, name="policy")

finance_app = typer.Typer(
    help="The finance interface: the day's batch file, the reconciliation, messages not acknowledged",
    no_args_is_help=True,
)
app.add_typer(finance_app, name="finance")
returns_app = typer.Typer(help="The council's statutory returns, built from the case record", no_args_is_help=True)
app.add_typer(returns_app, name="returns")

councils_app = typer.Typer(help="The councils this deployment serves, each in its own partition", no_args_is_help=True)
app.add_typer(councils_app, name="councils")

CaseOption = Annotated[str | None, typer.Option("--case", help="One case id; omit for the whole store")]
CouncilOption = Annotated[
    str | None,
    typer.Option(
        "--council", help="A registered council's GSS code: its partition alone (default: the configured council)"
    ),
]


@app.callback()
def every_command(council: CouncilOption = None) -> None:
    """carecase: the case record for personal budgets and direct payments. `carecase --council CODE
    <command>` runs any command on a registered council's partition."""
    _use_council(council)


def _use_council(code: str | None) -> None:
    """Point this one command at a registered council's partition: its store, views, checkpoint
    log, configuration and task queue (decision 0040). No code: the configured council, as ever."""
    if code is None:
        return
    from config.councils import council_environment, council_named

    os.environ.update(council_environment(council_named(code)))


def _case_id(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a case id (a UUID)", param_hint="case") from None


def timeline(record: CaseRecord, case_id: UUID) -> list[TimelineEntry]:
    return [timeline_entry(event) for event in record.stored_events(case_id)]


def _print_timeline(entries: list[TimelineEntry]) -> None:
    for entry in entries:
        typer.echo(f"{entry.version:>3}  {entry.recorded_at[:19]}  {entry.event:<36} {entry.role:<16} {entry.summary}")


@app.command()
def story() -> None:
    """Run one realistic whole-family case straight through the case record (no Temporal) and print its timeline."""
    from simulation.demo import run_demo

    record = build_case_record()
    case_id = run_demo(record, say=typer.echo)
    typer.echo(f"\nCase {case_id.hex} — timeline:\n")
    _print_timeline(timeline(record, case_id))
    case = record.get_case(case_id)
    report = record.verify_chain(case_id)
    typer.echo(
        f"\nStage now: {case.state.stage.value}; {case.version} events; hash chain "
        f"{'intact' if report.intact else 'BROKEN'}."
    )


@app.command("timeline")
def show_timeline(case: str, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Print one case's history: when, who, what, why."""
    record = build_case_record()
    entries = timeline(record, _case_id(case))
    if as_json:
        typer.echo(json.dumps([e.model_dump() for e in entries], indent=2))
    else:
        _print_timeline(entries)


@app.command()
def events(
    as_json: Annotated[bool, typer.Option("--json", help="The catalogue as JSON")] = False,
    markdown: Annotated[bool, typer.Option("--markdown", help="The catalogue as docs/events.md")] = False,
) -> None:
    """The event catalogue: every event type, its version, fields and meaning."""
    if markdown:
        typer.echo(catalogue_markdown())
    elif as_json:
        typer.echo(json.dumps(event_catalogue(), indent=2))
    else:
        for entry in event_catalogue():
            typer.echo(f"{entry['type']:<40} v{entry['version']}  {entry['meaning']}")


@audit_app.command("verify")
def audit_verify(
    case: CaseOption = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    checkpoint: Annotated[
        Path | None, typer.Option("--checkpoint", help="Check against this checkpoint file, not the log's latest")
    ] = None,
    whole_log: Annotated[bool, typer.Option(help="Check every link of the checkpoint log, not only the last")] = False,
    council: CouncilOption = None,
) -> None:
    """Check hash chains, the store against the latest signed checkpoint, and the payment outbox;
    name every case whose stored history was altered, removed or reordered."""
    from config.checkpoint_settings import CheckpointSettings
    from config.checkpoints import verify_against_checkpoint

    _use_council(council)
    record = build_case_record()
    case_id = _case_id(case) if case else None
    reports = [record.verify_chain(case_id)] if case_id else list(record.verify_all_chains())
    broken = [r for r in reports if not r.intact]
    # The councils' policy streams are chained in the same store and checked with the cases (0034).
    streams = {policy_stream_id(p.council).hex for p in record.publications()}
    policies = sum(1 for r in reports if r.case_id in streams)
    verdict = verify_against_checkpoint(record, CheckpointSettings.from_environment(), checkpoint, case_id, whole_log)
    orphans = record.orphaned_instructions(case_id)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "cases_checked": len(reports) - policies,
                    "policy_streams_checked": policies,
                    "broken": [r.model_dump() for r in broken],
                    "checkpoint": verdict.checkpoint.model_dump() if verdict.checkpoint else None,
                    "checkpoint_problems": verdict.problems,
                    "against_checkpoint": [f.model_dump() for f in verdict.findings],
                    "orphaned_instructions": [o.model_dump() for o in orphans],
                },
                indent=2,
            )
        )
    else:
        for report in broken:
            typer.echo(f"TAMPERED {report.case_id}")
            for problem in report.problems:
                typer.echo(f"  v{problem.version}: {problem.problem}")
        for text in verdict.problems:
            typer.echo(f"CHECKPOINT {text}")
        for finding in verdict.findings:
            typer.echo(f"AGAINST CHECKPOINT {finding.case_id or '-'} v{finding.version or '-'}: {finding.problem}")
        for orphan in orphans:
            typer.echo(
                f"ORPHANED INSTRUCTION {orphan.instruction_id} case {orphan.case_id} v{orphan.event_version}: "
                f"{orphan.problem}"
            )
        typer.echo(
            f"{len(reports) - policies} case(s) checked, {len(broken)} with a broken chain; "
            f"{policies} council policy stream(s) checked with them"
        )
        if verdict.checkpoint is None:
            typer.echo("no checkpoint to check against (`carecase audit checkpoint` takes one)")
        else:
            typer.echo(
                f"checked against checkpoint {verdict.checkpoint.sequence} of {verdict.checkpoint.taken_at}: "
                f"{len(verdict.problems)} problem(s) with it, {len(verdict.findings)} finding(s)"
            )
        typer.echo(f"{len(orphans)} orphaned payment instruction(s)")
    raise typer.Exit(1 if broken or not verdict.clean or orphans else 0)


@audit_app.command("checkpoint")
def audit_checkpoint(as_json: Annotated[bool, typer.Option("--json")] = False, council: CouncilOption = None) -> None:
    """Sign every case's chain head and version, with their Merkle root, into the checkpoint log
    (CARECASE_CHECKPOINT_DIR); refused if the store no longer agrees with the latest checkpoint."""
    _use_council(council)
    from config.checkpoint_settings import CheckpointSettings
    from config.checkpoints import CheckpointRefused, summary, take_checkpoint
    from eventstore.checkpoint_log import LogMovedOn

    record = build_case_record()
    try:
        logged = take_checkpoint(record, CheckpointSettings.from_environment())
    except CheckpointRefused as refused:
        for text in refused.problems:
            typer.echo(f"CHECKPOINT {text}", err=True)
        for finding in refused.findings:
            typer.echo(
                f"AGAINST CHECKPOINT {finding.case_id or '-'} v{finding.version or '-'}: {finding.problem}", err=True
            )
        typer.echo(str(refused), err=True)
        raise typer.Exit(1) from None
    except (LogMovedOn, OSError, ValueError) as error:  # a key missing, a log moved on, a head unreadable
        typer.echo(f"no checkpoint written: {error}", err=True)
        raise typer.Exit(1) from None
    written = summary(logged)
    if as_json:
        typer.echo(json.dumps({**written.model_dump(), "path": str(logged.path)}))
    else:
        typer.echo(
            f"checkpoint {written.sequence} written to {logged.path}: {written.cases} case(s), "
            f"Merkle root {written.merkle_root}"
        )


@audit_app.command("verify-logs")
def audit_verify_logs(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Check the hash chains of the access log and the operations log; name every row changed or removed."""
    from api.access_log import AccessLog
    from config.bootstrap import build_view_store

    views = build_view_store()
    try:
        reports = AccessLog(views).verify()
    finally:
        views.close()
    broken = [r for r in reports if not r.intact]
    if as_json:
        typer.echo(json.dumps({"logs": [r.model_dump() for r in reports]}, indent=2))
    else:
        for report in reports:
            typer.echo(f"{'TAMPERED' if not report.intact else 'intact  '} {report.log}: {report.rows} row(s)")
            for problem in report.problems:
                typer.echo(f"  row {problem.seq}: {problem.problem}")
    raise typer.Exit(1 if broken else 0)


@audit_app.command("as-of")
def audit_as_of(case: str, instant: str) -> None:
    """The case as the record knew it at INSTANT (ISO 8601 with a time zone, e.g. 2026-02-01T12:00:00Z)."""
    try:
        when = datetime.fromisoformat(instant.replace("Z", "+00:00"))
    except ValueError:
        raise typer.BadParameter(f"{instant!r} is not an ISO 8601 date-time", param_hint="instant") from None
    if when.tzinfo is None:
        raise typer.BadParameter("give the time zone, e.g. 2026-02-01T12:00:00Z", param_hint="instant")
    record = build_case_record()
    found = record.case_as_of(_case_id(case), when)
    if found is None:
        typer.echo(json.dumps({"case_id": case, "as_of": when.isoformat(), "exists": False}))
        raise typer.Exit(1)
    typer.echo(
        json.dumps(
            {
                "case_id": case,
                "as_of": when.isoformat(),
                "version": found.version,
                "state": found.state.model_dump(mode="json"),
            },
            indent=2,
        )
    )


@export_app.command("person")
def export_person(
    case: str,
    person_id: str,
    by: Annotated[str | None, typer.Option(help="Who exports it (default: console:<login>)")] = None,
) -> None:
    """One person's record as JSON: their facts from the case's events, each with its version, and
    the chain hash of the last. The read is written to the access log first; no log, no export."""
    from api.access_log import AccessLog
    from config.bootstrap import build_view_store

    case_id = _case_id(case)
    record = build_case_record()
    exported = record.person_record(case_id, person_id)
    who = _by(by)
    try:
        views = build_view_store()
        try:
            AccessLog(views).case_read(
                user_id=who,
                role=Role.ADMIN.value,
                case_id=case_id.hex,
                what=f"person export {person_id}",
                path="carecase export person",
            )
        finally:
            views.close()
    except Exception as error:
        typer.echo(f"the access log could not be written ({type(error).__name__}): nothing exported", err=True)
        raise typer.Exit(1) from None
    typer.echo(exported.model_dump_json(indent=2))


@ras_app.command("verify")
def ras_verify(case: CaseOption = None) -> None:
    """Recompute every recorded budget from its recorded inputs and rule set; report mismatches."""
    record = build_case_record()
    checked = 0
    mismatches = []
    for _, mismatch in record.verify_budget_calculations([_case_id(case)] if case else None):
        checked += 1
        if mismatch is not None:
            mismatches.append(mismatch)
            typer.echo(f"MISMATCH case {mismatch.case_id} v{mismatch.version} {mismatch.person_id}: {mismatch.problem}")
    typer.echo(f"{checked} budget calculation(s) recomputed, {len(mismatches)} mismatch(es)")
    raise typer.Exit(1 if mismatches else 0)


@policy_app.command("publish")
def policy_publish(
    file: Annotated[Path, typer.Argument(help="The rule set's TOML file", exists=True, dir_okay=False)],
    reason: Annotated[str, typer.Option("--reason", help="Why it is published (the council's decision)")],
    by: Annotated[str, typer.Option("--by", help="The id of the admin publishing it")],
) -> None:
    """Publish a RAS rule set version: recorded in the council's policy stream, in force from its
    effective_from (never before, never back-dated), never changed afterwards (decision 0034)."""
    from domain.people import Actor
    from domain.values import Reason

    actor = Actor(user_id=by, role=Role.ADMIN)
    why = TypeAdapter(Reason).validate_python(reason)
    # The shipped rule sets first, so a council's first publication never leaves them unpublished.
    outcome = build_case_record(publish_shipped=True).publish_rule_set(file.read_bytes(), actor=actor, reason=why)
    published = outcome.publication
    typer.echo(
        json.dumps(
            {
                "duplicate": outcome.duplicate,
                "rule_set_id": published.rule_set_id,
                "version": published.version,
                "effective_from": published.effective_from.isoformat(),
                "content_hash": published.content_hash,
                "published_by": published.published_by.model_dump(mode="json"),
                "published_at": published.published_at.isoformat(),
            }
        )
    )


@policy_app.command("list")
def policy_list() -> None:
    """Every published RAS rule set version: id, version, in force from, hash, who published it and when."""
    publications = build_case_record().publications()
    for published in sorted(publications, key=lambda p: (p.rule_set_id, p.effective_from, p.version)):
        typer.echo(
            f"{published.rule_set_id:<20} {published.version:<10} from {published.effective_from.isoformat()}  "
            f"{published.content_hash}  {published.published_by.user_id} {published.published_at.isoformat()[:19]}"
        )


@policy_app.command("simulate")
def policy_simulate(
    rule_set: Annotated[
        Path,
        typer.Option(
            "--rule-set", help="The candidate rule set's TOML file (not published)", exists=True, dir_okay=False
        ),
    ],
    output_format: Annotated[str, typer.Option("--format", help="json or csv")] = "json",
    out: Annotated[Path | None, typer.Option("--out", help="Write here instead of standard output")] = None,
    on: Annotated[str | None, typer.Option("--on", help="The baseline's day, YYYY-MM-DD (default today)")] = None,
    team: Annotated[list[str] | None, typer.Option("--team", help="Only this team's open cases (repeatable)")] = None,
) -> None:
    """Price every open case under a candidate rule set against the version in force, recording
    nothing: per case old, new, the difference and the explanation, then the totals (decision 0039).
    Progress goes to standard error."""
    from datetime import date

    from config.bootstrap import build_view_store
    from domain.need_to_know import Reach
    from policy import simulation

    if output_format not in ("json", "csv"):
        raise InvalidInput("--format must be json or csv", code="unknown_output_format", field="format")
    try:
        day = date.fromisoformat(on) if on else datetime.now(UTC).date()
    except ValueError:
        raise InvalidInput(f"--on must be a date, YYYY-MM-DD, not {on!r}", code="invalid_date", field="on") from None
    teams = tuple(team or ())
    reach = Reach(teams=teams) if teams else Reach(every_case=True)
    scope: dict[str, object] = {"every_open_case": not teams, **({"teams": list(teams)} if teams else {})}
    record, views = build_case_record(), build_view_store()
    try:
        prepared = simulation.prepare(record, views, rule_set.read_bytes(), reach=reach, scope=scope, on=day)
        every = max(1, len(prepared.case_ids) // 20)

        def progress(done: int, of: int) -> None:
            if done % every == 0 or done == of:
                typer.echo(f"simulated {done}/{of} open cases", err=True)

        stream = simulation.lines(record, prepared, progress)
        text = simulation.csv_rows(stream) if output_format == "csv" else simulation.json_document(stream)
        with open(out, "w", encoding="utf-8", newline="") if out else nullcontext(sys.stdout) as sink:
            for chunk in text:
                sink.write(chunk)
    finally:
        views.close()
        record.close()


@returns_app.command("asc-cld")
def returns_asc_cld(
    period_end: Annotated[
        str, typer.Option("--period-end", help="The last day of the return's twelve months, YYYY-MM-DD")
    ],
    out: Annotated[Path, typer.Option("--out", help="The CSV file to write; its report goes beside it")],
    by: Annotated[str | None, typer.Option(help="Who makes the return (default: console:<login>)")] = None,
) -> None:
    """The ASC-CLD return for the twelve months to a period end: one row per request, assessment,
    service and review (decision 0045), written as CSV to --out, and its validation report beside
    it (FILE.report.json). The read is written to the access log first; no log, no return."""
    from datetime import date

    from api.access_log import AccessLog
    from config.bootstrap import build_view_store
    from domain.returns.asc_cld import build_return, csv_text, period_ending
    from eventstore.private_files import open_private_text

    try:
        day = date.fromisoformat(period_end)
    except ValueError:
        raise InvalidInput(
            f"--period-end must be a date, YYYY-MM-DD, not {period_end!r}", code="invalid_date", field="period_end"
        ) from None
    period = period_ending(day)
    record = build_case_record()
    try:
        made = build_return(record, period, record.services.council.council_code)
    finally:
        record.close()
    try:
        views = build_view_store()
        try:
            AccessLog(views).list_read(
                user_id=_by(by),
                role=Role.RETURNS_OFFICER.value,
                what=f"asc-cld return {period.end.isoformat()}",
                path="carecase returns asc-cld",
                case_ids=made.case_ids,
            )
        finally:
            views.close()
    except Exception as error:
        typer.echo(f"the access log could not be written ({type(error).__name__}): no return written", err=True)
        raise typer.Exit(1) from None
    report_path = out.with_name(out.stem + ".report.json")
    # The return names people: its files are private from the moment they exist.
    with open_private_text(out, "w", own_folder=False) as sink:
        for chunk in csv_text(made.rows):
            sink.write(chunk)
    with open_private_text(report_path, "w", own_folder=False) as sink:
        sink.write(made.report.model_dump_json(indent=2) + "\n")
    failing = sum(failure.rows for failure in made.report.failures)
    typer.echo(
        f"{made.report.rows} rows ({', '.join(f'{n} {t}' for t, n in made.report.rows_by_event_type.items())}) "
        f"for {period.start.isoformat()} to {period.end.isoformat()} written to {out}; report {report_path}: "
        f"{'valid' if made.report.valid else f'{failing} field check(s) failing'}, "
        f"{made.report.people_without_nhs_number} of {made.report.people} people without an NHS number"
    )


@returns_app.command("asc-cld-doc")
def returns_asc_cld_doc() -> None:
    """The ASC-CLD return's fields, code lists and mapping table as docs/asc-cld.md."""
    from domain.returns.asc_cld_docs import asc_cld_markdown

    typer.echo(asc_cld_markdown())


@app.command()
def worker() -> None:
    """Run the Temporal worker: the case and payment workflows and their activities, until Ctrl-C or SIGTERM."""
    # Imported here so the other commands do not load the Temporal SDK.
    from config.settings import Settings
    from config.temporal_settings import TemporalSettings
    from workers.worker import run_worker

    run_worker(Settings.from_environment(), TemporalSettings.from_environment())


@app.command("dev-server")
def dev_server(
    time_skipping: Annotated[
        bool, typer.Option("--time-skipping", help="Allow per-workflow time skipping (as the tests do)")
    ] = False,
) -> None:
    """Run a local Temporal dev server with the case search attributes, its state in var/temporal.db."""
    from config.temporal_settings import TemporalSettings
    from workers.dev_server import run_dev_server

    raise typer.Exit(run_dev_server(TemporalSettings.from_environment(), time_skipping=time_skipping))


def record_and_views() -> tuple[CaseRecord, list[Projection]]:
    """The record and every view, from the environment: what each process of a parallel rebuild
    opens for itself (it inherits this process's environment, the council's partition included)."""
    from config.settings import Settings
    from projections.catalogue import all_views

    settings = Settings.from_environment()
    return build_case_record(settings), all_views(settings.service_levels, settings.council)


@projections_app.command("rebuild")
def projections_rebuild(
    batch: Annotated[int, typer.Option(min=1, help="Notifications per transaction")] = 500,
    processes: Annotated[
        int, typer.Option(min=1, max=64, help="Processes to rebuild in, each over its own part of the cases")
    ] = 1,
    council: CouncilOption = None,
) -> None:
    """Empty every view and build it again from the first event, showing progress. With
    --processes N the cases are split into N parts rebuilt side by side, and the views are replaced
    by them in one transaction (decision 0048)."""
    _use_council(council)
    from config.bootstrap import build_projection_runner

    record = build_case_record()
    runner = build_projection_runner(record)
    last = record.last_position()
    with typer.progressbar(length=max(last, 1), label="Rebuilding views") as bar:
        done = 0

        def progress(position: int, _last_id: int) -> None:
            nonlocal done
            bar.update(max(position - done, 0))
            done = max(done, position)

        read = runner.rebuild(progress=progress, batch=batch, processes=processes, opener=record_and_views)
    typer.echo(f"{read} event(s) read; positions: {runner.positions()}")


@projections_app.command("run")
def projections_run(
    poll_interval: Annotated[float, typer.Option(help="Seconds between polls when idle")] = 0.5,
    until_caught_up: Annotated[bool, typer.Option(help="Stop once the log has nothing new")] = False,
    council: CouncilOption = None,
) -> None:
    """Keep every view up to date until interrupted (polls the event store)."""
    _use_council(council)
    import signal
    import threading

    from config.bootstrap import build_projection_runner

    record = build_case_record()
    runner = build_projection_runner(record)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    typer.echo(f"Projection runner started at positions {runner.positions()}")
    if until_caught_up:
        runner.run_until_caught_up()
    else:
        from config.checkpoints import scheduled_checkpoints

        runner.run_forever(stop, poll_interval=poll_interval, periodic=scheduled_checkpoints(record))
    typer.echo(f"Projection runner stopped at positions {runner.positions()}")


@retention_app.command("run")
def retention_run(
    now: Annotated[str | None, typer.Option("--now", help="The instant to judge by (ISO, with its offset)")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    council: CouncilOption = None,
) -> None:
    """Erase the personal data of every closed case whose retention period has ended: destroy the
    people's keys, record it on the case, rewrite the views and compact the store."""
    _use_council(council)
    from config.retention import run_retention
    from config.settings import Settings

    as_of = datetime.now(UTC)
    if now is not None:
        try:
            as_of = datetime.fromisoformat(now)
        except ValueError:
            raise typer.BadParameter(f"{now!r} is not an ISO 8601 instant", param_hint="--now") from None
        if as_of.tzinfo is None:
            raise typer.BadParameter(
                "the instant must carry its offset, e.g. 2035-01-01T00:00:00+00:00", param_hint="--now"
            )
    settings = Settings.from_environment()
    record = build_case_record(settings)
    report = run_retention(record, settings, as_of)
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
    else:
        for case_id in report.erased:
            typer.echo(f"erased  {case_id}")
        typer.echo(
            f"{report.closed_cases} closed case(s) checked against {report.retention_days} days after closure; "
            f"{len(report.erased)} erased"
        )


@app.command()
def run(
    host: Annotated[str, typer.Option(help="Loopback by default")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="CARECASE_API_PORT")] = 8000,
) -> None:
    """Run everything on loopback: Temporal dev server, worker, projection runner and the HTTP API."""
    from workers.run import run as run_everything

    run_everything(host, port)


@app.command()
def api(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="CARECASE_API_PORT")] = 8000,
) -> None:
    """Run only the HTTP API (a worker, a projection runner and Temporal run elsewhere)."""
    import uvicorn

    from api.app import create_app
    from config.bootstrap import backend_from_environment
    from config.tracing import configure_tracing, instrument_app

    keys = Path(os.environ.get("CARECASE_API_KEYS", "var/api-keys.toml"))
    app = create_app(lambda: backend_from_environment(keys))
    configure_tracing("carecase-api")
    instrument_app(app)  # nothing, with tracing off
    uvicorn.run(app, host=host, port=port, log_level="warning", log_config=None)  # its logs as JSON lines


KeysFileOption = Annotated[Path, typer.Option("--keys-file", envvar="CARECASE_API_KEYS")]
ExpiresInDays = Annotated[
    int | None, typer.Option("--expires-in-days", min=1, help="The key stops working this many days from now")
]
ExpiresAt = Annotated[
    str | None,
    typer.Option("--expires-at", help="The key stops working then: an ISO date (00:00 UTC) or date-time with a zone"),
]
ByOption = Annotated[
    str | None, typer.Option("--by", help="Who is doing this, for the record (default: console:<login name>)")
]
DEFAULT_KEYS_FILE = Path("var/api-keys.toml")


def _expiry(expires_at: str | None, expires_in_days: int | None, now: datetime) -> datetime | None:
    from datetime import date

    from api.keys_file import expiry

    when: datetime | date | None = None
    if expires_at is not None:
        try:
            when = date.fromisoformat(expires_at) if len(expires_at) == 10 else datetime.fromisoformat(expires_at)
        except ValueError:
            raise typer.BadParameter(
                f"{expires_at!r} is not an ISO 8601 date or date-time", param_hint="--expires-at"
            ) from None
    return expiry(when, expires_in_days, now, field="--expires-at")


def _by(by: str | None) -> str:
    import getpass

    return by or f"console:{getpass.getuser()}"


def _record_key_action(action: str, by: str, reason: str, outcome: dict[str, object]) -> None:
    """The change in the ops action log beside the views, as the admin endpoints record theirs. The
    change is made first: a log that cannot be reached must not keep a leaked key working."""
    from api.access_log import AccessLog
    from config.bootstrap import build_view_store

    try:
        views = build_view_store()
        try:
            AccessLog(views).ops_action(
                user_id=by, role=Role.ADMIN.value, action=action, case_id="", reason=reason, outcome=outcome
            )
        finally:
            views.close()
    except Exception as error:
        typer.echo(f"warning: the ops action log could not be written ({type(error).__name__})", err=True)


def _key_outcome(key: object, **more: object) -> dict[str, object]:
    from api.keys import ApiKey

    assert isinstance(key, ApiKey)
    return {
        "key_id": key.key_id,
        "for_user_id": key.user_id,
        "key_role": key.role.value,
        "teams": list(key.teams),
        "expires_at": key.expires_at.isoformat() if key.expires_at else None,
        **more,
    }


@keys_app.command("add")
def keys_add(
    user_id: str,
    role: Role,
    team: Annotated[list[str] | None, typer.Option(help="A team whose cases the user works on (repeat)")] = None,
    expires_in_days: ExpiresInDays = None,
    expires_at: ExpiresAt = None,
    reason: Annotated[str, typer.Option(help="Why, for the ops action log")] = "new key",
    by: ByOption = None,
    keys_file: KeysFileOption = DEFAULT_KEYS_FILE,
    council: Annotated[
        str | None, typer.Option("--council", help="A registered council's GSS code (default: the configured one)")
    ] = None,
    national: Annotated[
        bool, typer.Option("--national", help="An auditor reading every council, naming one per request")
    ] = False,
) -> None:
    """Make an API key for a user in a role; prints the key once (only its hash is kept), its id on stderr."""
    from api.keys_file import KeysFile

    if council is not None:
        from config.councils import council_named

        council_named(council)
    now = datetime.now(UTC)
    until = _expiry(expires_at, expires_in_days, now)
    key, token = KeysFile(keys_file).add(
        user_id, role, tuple(team or ()), expires_at=until, now=now, council=council, national=national
    )
    _record_key_action("key_add", _by(by), reason, _key_outcome(key))
    typer.echo(
        f"key {key.key_id} for {key.user_id} ({key.role.value})"
        + (f", expires {key.expires_at.isoformat()}" if key.expires_at else ", no expiry"),
        err=True,
    )
    typer.echo(token)


def _last_used() -> dict[str, datetime]:
    """Each key's last use as the views record it (at most a minute behind); none without views."""
    from api.key_use import KeyUse
    from config.bootstrap import build_view_store
    from config.settings import Settings

    settings = Settings.from_environment()
    if settings.store == "sqlite" and not settings.sqlite_path.exists():
        return {}
    try:
        views = build_view_store(settings)
        try:
            return KeyUse(views).last_used()
        finally:
            views.close()
    except Exception as error:
        typer.echo(f"warning: last use not known: the views cannot be read ({type(error).__name__})", err=True)
        return {}


@keys_app.command("list")
def keys_list(
    as_json: Annotated[bool, typer.Option("--json")] = False,
    keys_file: KeysFileOption = DEFAULT_KEYS_FILE,
) -> None:
    """Every key: id, user, role, teams, status, made, expires, revoked, last used (never a token or a hash)."""
    from api.keys_file import KeysFile

    now = datetime.now(UTC)
    last_used = _last_used()
    rows = []
    for key in KeysFile(keys_file).read():
        row = key.model_dump(mode="json", exclude={"sha256"})
        row["status"] = key.status(now).value
        used = last_used.get(key.key_id)
        row["last_used_at"] = used.isoformat() if used else None
        rows.append(row)
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        typer.echo(
            f"{row['key_id']}  {row['status']:<8} {row['user_id']:<24} {row['role']:<16} "
            f"teams={','.join(row['teams']) or '-'}  made={(row['created_at'] or '-')[:19]}  "
            f"expires={(row['expires_at'] or '-')[:19]}  last used={(row['last_used_at'] or '-')[:19]}"
            + (f"  revoked by {row['revoked_by']}: {row['revoked_reason']}" if row["revoked_at"] else "")
        )
    typer.echo(f"{len(rows)} key(s)")


@keys_app.command("revoke")
def keys_revoke(
    key_id: str,
    reason: Annotated[str, typer.Option(help="Why, recorded with the key and in the ops action log")],
    by: ByOption = None,
    keys_file: KeysFileOption = DEFAULT_KEYS_FILE,
) -> None:
    """Revoke a key: every API process refuses it from its next request."""
    from api.keys_file import KeysFile

    who = _by(by)
    key = KeysFile(keys_file).revoke(key_id, by=who, reason=reason)
    _record_key_action("key_revoke", who, reason, _key_outcome(key))
    assert key.revoked_at is not None
    typer.echo(f"key {key.key_id} ({key.user_id}, {key.role.value}) revoked at {key.revoked_at.isoformat()}")


@keys_app.command("rotate")
def keys_rotate(
    key_id: str,
    reason: Annotated[str, typer.Option(help="Why, recorded with the old key and in the ops action log")] = "rotated",
    expires_in_days: ExpiresInDays = None,
    expires_at: ExpiresAt = None,
    by: ByOption = None,
    keys_file: KeysFileOption = DEFAULT_KEYS_FILE,
) -> None:
    """A new key for the same user, role and teams; the old one revoked at once. Prints the new key once."""
    from api.keys_file import KeysFile

    who = _by(by)
    now = datetime.now(UTC)
    until = _expiry(expires_at, expires_in_days, now)
    old, new, token = KeysFile(keys_file).rotate(key_id, by=who, reason=reason, expires_at=until, now=now)
    _record_key_action("key_rotate", who, reason, _key_outcome(new, replaces=old.key_id))
    typer.echo(f"key {old.key_id} revoked; new key {new.key_id} for {new.user_id} ({new.role.value})", err=True)
    typer.echo(token)


@ops_app.command("stuck")
def ops_stuck(
    stage: Annotated[str | None, typer.Option()] = None,
    team: Annotated[str | None, typer.Option()] = None,
    overdue_by_days: Annotated[int, typer.Option()] = 0,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List deadlines passed (a stage, a review, a monitoring return), most overdue first, from the views: ids only."""
    from datetime import datetime

    from config.bootstrap import build_view_store
    from projections.overdue import deadlines_passed

    views = build_view_store()
    try:
        with views.read() as cursor:
            passed = deadlines_passed(
                cursor, datetime.now(UTC), stage=stage, team=team, overdue_by_days=overdue_by_days
            )
    except Exception as error:  # no views yet: say so plainly
        typer.echo(f"no views to read ({error}); run `carecase projections rebuild` first", err=True)
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps([deadline.model_dump(mode="json") for deadline in passed]))
        return
    for d in passed:
        typer.echo(
            f"{d.case_id}  {d.what:<24} {d.team:<16} {d.worker_id or '-':<14} "
            f"due {d.due_at[:16]}{'  flagged' if d.flagged else ''}"
        )
    typer.echo(f"{len(passed)} deadline(s) passed")


@ops_app.command("adopt-service-levels")
def ops_adopt_service_levels() -> None:
    """Time every open case by the council's service levels as its council.toml now sets them (run on
    the change's effective date, decision 0035): each running case workflow is told, so its due times,
    timer and StageDueAt follow at once. Then `carecase projections rebuild` brings the views' due
    times into line."""
    import asyncio

    from config.bootstrap import connect_temporal
    from config.settings import Settings
    from config.temporal_settings import TemporalSettings
    from workflows.client import adopt_service_levels

    settings, temporal = Settings.from_environment(), TemporalSettings.from_environment()

    async def tell() -> list[str]:
        client = await connect_temporal(temporal)
        return await adopt_service_levels(client, settings.service_levels, temporal.task_queue)

    told = asyncio.run(tell())
    typer.echo(
        f"{len(told)} open case workflow(s) now keep the service levels of {settings.council_file or 'the defaults'}"
    )
    typer.echo("run `carecase projections rebuild` so the views' due times follow")


@ops_app.command("quarantine")
def ops_quarantine(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the cases the views hold in quarantine: the event that failed, in which view, why, and how
    many later events wait behind it (ids only). Release one with POST /ops/quarantine/{case_id}/release."""
    from config.bootstrap import build_view_store

    views = build_view_store()
    try:
        items = views.quarantine_summary()
    finally:
        views.close()
    if as_json:
        typer.echo(json.dumps(items))
        return
    for item in items:
        typer.echo(
            f"{item['case_id']}  since {item['quarantined_at'][:16]}  v{item.get('case_version', '?')} "
            f"{item.get('event_type', '?'):<32} in {','.join(item.get('failed_in', [])) or '-'}: "
            f"{item.get('error_class')}: {item.get('error_message')}  "
            f"({item['held_notifications']} held behind)"
        )
    typer.echo(f"{len(items)} case(s) quarantined")


@app.command()
def demo(
    cases: Annotated[int, typer.Option(min=1, help="How many synthetic cases to load")] = 20,
    seed: Annotated[int, typer.Option()] = 20240401,
    api_url: Annotated[str, typer.Option("--api", envvar="CARECASE_API_URL")] = "http://127.0.0.1:8000",
    keys_env: Annotated[Path, typer.Option(help="The keys `carecase run` wrote")] = Path("var/dev-api-keys.env"),
) -> None:
    """Load a realistic synthetic caseload through the running API (start it with `carecase run`)."""
    from simulation.api_demo import load_through_api, read_keys

    keys = read_keys(keys_env)
    with typer.progressbar(length=cases, label="Loading cases through the API") as bar:
        stats = load_through_api(api_url, keys, cases, seed, progress=lambda _: bar.update(1))
    typer.echo(
        f"{stats.cases} case(s), {stats.commands} command(s), {stats.events} event(s)"
        + (f"; refused and left there: {dict(stats.refused)}" if stats.refused else "")
    )
    typer.echo(f"Last case: {api_url}/cases/{stats.last_case}")


@db_app.command("status")
def db_status(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Where the configured store's schema stands: its version, the newest this release knows, and
    the migrations still to apply. Exit 1 when it is behind or ahead."""
    from config.bootstrap import build_view_store
    from config.schema import schema_status

    views = build_view_store()
    try:
        status = schema_status(views)
    finally:
        views.close()
    if as_json:
        typer.echo(status.model_dump_json(indent=2))
    else:
        typer.echo(
            f"schema version {status.version} (this release knows {status.known})"
            + ("" if status.recorded else "; versions not recorded in the store yet")
        )
        for applied in status.applied:
            typer.echo(f"  {applied.version} {applied.name} — {applied.applied_at} by {applied.applied_by}")
        if status.pending:
            typer.echo(f"to apply with `carecase db upgrade`: {', '.join(map(str, status.pending))}")
        elif status.version > status.known:
            typer.echo("the store is newer than this release: run the release that upgraded it")
    raise typer.Exit(0 if status.current or status.version == 0 else 1)


@db_app.command("upgrade")
def db_upgrade(
    by: Annotated[str | None, typer.Option("--by", help="Who is doing this (default: console:<login name>)")] = None,
) -> None:
    """Apply every pending migration to the configured store, in order, each recorded with who and when."""
    from config.bootstrap import build_view_store
    from config.schema import SchemaError, upgrade

    views = build_view_store()
    try:
        applied = upgrade(views, by=_by(by))
    except SchemaError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from None
    finally:
        views.close()
    typer.echo(f"applied: {', '.join(map(str, applied))}" if applied else "the schema is current: nothing to apply")


@app.command()
def backup(
    out: Annotated[Path, typer.Option("--out", help="A new folder for the backup")],
    council: CouncilOption = None,
) -> None:
    """Back up the SQLite store (online: the product may keep running) and the checkpoint log into
    a new folder with a manifest of every file's SHA-256. PostgreSQL: see deploy/README.md."""
    _use_council(council)
    from config.backup import BackupError, take_backup
    from config.checkpoint_settings import CheckpointSettings
    from config.settings import Settings

    settings = Settings.from_environment()
    if settings.store != "sqlite":
        typer.echo(
            "the store is PostgreSQL: back it up with PostgreSQL's own tools (pg_dump, or continuous "
            "archiving for point-in-time recovery; deploy/README.md), then check a restored copy "
            "with `carecase restore-check`",
            err=True,
        )
        raise typer.Exit(2)
    try:
        manifest = take_backup(settings.sqlite_path, CheckpointSettings.from_environment().folder, out)
    except BackupError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from None
    typer.echo(
        f"backed up {manifest.events} event(s) to notification {manifest.last_notification_id}, "
        f"{len(manifest.files)} file(s), into {out}"
    )


def _report_restore_check(record: CaseRecord, settings: Settings, checkpoint_settings: CheckpointSettings) -> None:
    from config.backup import check_restored
    from config.bootstrap import build_view_store
    from projections.catalogue import all_views

    views = build_view_store(settings)
    try:
        check = check_restored(record, views, all_views(council=settings.council), checkpoint_settings)
    finally:
        views.close()
    typer.echo(check.model_dump_json(indent=2))
    typer.echo("restored store checks out" if check.clean else "restored store does NOT check out")
    raise typer.Exit(0 if check.clean else 1)


@app.command()
def restore(
    backup_folder: Annotated[Path, typer.Argument(help="A folder `carecase backup` made")],
    into: Annotated[Path, typer.Option("--into", help="A new folder to restore into")],
    public_key: Annotated[
        Path | None,
        typer.Option("--checkpoint-public-key", help="Verifies the checkpoints (default: the configured one)"),
    ] = None,
) -> None:
    """Restore a backup into a new folder (its manifest checked first), then check the restored
    store: chains, the latest checkpoint, the logs, and the views against a rebuild."""
    from config.backup import CHECKPOINTS, STORE_FILE, BackupError, restore_backup
    from config.checkpoint_settings import CheckpointSettings
    from config.settings import Settings

    try:
        manifest = restore_backup(backup_folder, into)
    except BackupError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from None
    typer.echo(f"restored {manifest.events} event(s) taken at {manifest.taken_at.isoformat()} into {into}")
    typer.echo(f"to run on it: CARECASE_SQLITE_PATH={into / STORE_FILE} CARECASE_CHECKPOINT_DIR={into / CHECKPOINTS}")
    configured = CheckpointSettings.from_environment()
    checkpoints = configured.model_copy(
        update={"folder": into / CHECKPOINTS, "public_key": public_key or configured.public_key_path}
    )
    settings = Settings.from_environment().model_copy(update={"store": "sqlite", "sqlite_path": into / STORE_FILE})
    record = build_case_record(settings)
    try:
        _report_restore_check(record, settings, checkpoints)
    finally:
        record.close()


@app.command("restore-check")
def restore_check() -> None:
    """Check the configured store as a restored one (e.g. PostgreSQL after pg_restore): chains, the
    latest checkpoint, the logs, and every view against a rebuild (the views are rebuilt in place)."""
    from config.checkpoint_settings import CheckpointSettings
    from config.settings import Settings

    settings = Settings.from_environment()
    record = build_case_record(settings)
    try:
        _report_restore_check(record, settings, CheckpointSettings.from_environment())
    finally:
        record.close()


def _finance_parts() -> tuple[CaseRecord, Settings, ViewStore, AccessLog]:
    """The case record, the settings, the views and the finance acknowledgements log, opened."""
    from api.access_log import AccessLog
    from config.bootstrap import build_view_store
    from config.settings import Settings

    settings = Settings.from_environment()
    record = build_case_record(settings)
    views = build_view_store(settings)
    return record, settings, views, AccessLog(views)


@finance_app.command("export")
def finance_export(
    day: Annotated[str, typer.Option("--date", help="The council's business day (Europe/London), YYYY-MM-DD")],
    out: Annotated[Path, typer.Option("--out", help="The batch file to write (CSV); refused if it exists")],
) -> None:
    """Write the day's payment outbox messages as finance's batch file: a header record, one record
    per message, and the control totals (count and sum in pence). The same day gives the same bytes."""
    from datetime import date

    from eventstore.finance_batch import batch_file, control_totals, messages_of_day
    from eventstore.outbox import every_instruction
    from eventstore.private_files import open_private_text

    try:
        batch_day = date.fromisoformat(day)
    except ValueError:
        typer.echo(f"--date: {day!r} is not a date (YYYY-MM-DD)", err=True)
        raise typer.Exit(2) from None
    if out.exists():
        typer.echo(f"--out: {out} exists; a batch file is never overwritten", err=True)
        raise typer.Exit(2)
    record, settings, views, _log = _finance_parts()
    try:
        messages = messages_of_day(every_instruction(record), batch_day)
    finally:
        record.close()
        views.close()
    text = batch_file(messages, day=batch_day, council_code=settings.council.council_code)
    with open_private_text(out, "w") as handle:
        handle.write(text)
    totals = control_totals(messages)
    typer.echo(f"wrote {totals.count} message(s), {totals.sum_pence} pence in all, for {batch_day} to {out}")


@finance_app.command("reconcile")
def finance_reconcile(
    case: CaseOption = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Compare the budget ledger with the messages finance was sent, per case, and name every
    difference; exit 1 when there is one. Run it with the views caught up (`carecase projections run`)."""
    from api.finance import reconciliation
    from config.schema import OUTBOX_KINDS, applied_at

    case_id = _case_id(case) if case else None
    record, settings, views, log = _finance_parts()
    try:
        report = reconciliation(
            record,
            views,
            log,
            messages_since=applied_at(views, OUTBOX_KINDS),
            acknowledgement_hours=settings.service_levels.finance_acknowledgement_hours,
            now=datetime.now(UTC),
            case_id=case_id,
        )
    finally:
        record.close()
        views.close()
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
    else:
        typer.echo(
            f"{report.cases} case(s): {report.ledger_entries} ledger movement(s), {report.messages} message(s), "
            f"{report.matched} matched; paid {report.paid_pence_in_ledger}p in the ledger, "
            f"{report.paid_pence_in_messages}p in the messages"
        )
        for d in report.differences:
            typer.echo(f"{d.case_id} v{d.event_version} {d.problem}: {d.detail}")
        typer.echo(
            f"{len(report.differences)} difference(s); {report.unacknowledged} message(s) not acknowledged, "
            f"{len(report.overdue_acknowledgements)} of them older than {report.acknowledgement_hours} hour(s)"
        )
    raise typer.Exit(1 if report.differences else 0)


@finance_app.command("unacknowledged")
def finance_unacknowledged(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Messages finance has not acknowledged within the council's time, oldest first (ids only)."""
    from api.finance import unacknowledged

    record, settings, views, log = _finance_parts()
    try:
        late = unacknowledged(
            record,
            log,
            acknowledgement_hours=settings.service_levels.finance_acknowledgement_hours,
            now=datetime.now(UTC),
        )
    finally:
        record.close()
        views.close()
    if as_json:
        typer.echo(late.model_dump_json(indent=2))
        return
    for item in late.items:
        typer.echo(f"{item.instruction_id:>8}  {item.case_id}  {item.kind:<11} {item.hours_unacknowledged} h")
    typer.echo(f"{late.count} message(s) not acknowledged within {late.acknowledgement_hours} hour(s)")


@councils_app.command("add")
def councils_add(
    code: Annotated[str, typer.Argument(help="The council's ONS/GSS code, e.g. E06000047")],
    folder: Annotated[str, typer.Option("--folder", help="The council's policy folder (under CARECASE_POLICY_FOLDER)")],
) -> None:
    """Serve another council in this deployment: registered, its partition (store, views, checkpoint
    log, task queue) set up; the API and worker serve it from their next start."""
    from config.councils import add_council, council_settings

    council = add_council(code, folder)
    settings = council_settings(council)
    build_case_record(settings, publish_shipped=True).close()
    where = settings.sqlite_path if settings.store == "sqlite" else f"schema {settings.postgres['POSTGRES_SCHEMA']}"
    typer.echo(f"council {council.code} ({council.folder}) added; its record is in {where}")


@councils_app.command("list")
def councils_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The councils this deployment serves besides its configured one."""
    from config.councils import registered

    councils = registered()
    if as_json:
        typer.echo(json.dumps([c.model_dump(mode="json") for c in councils], indent=2))
        return
    for council in councils:
        typer.echo(f"{council.code}  {council.folder}")
    typer.echo(f"{len(councils)} council(s) registered")


def main() -> None:
    from config.schema import SchemaError

    try:
        app()
    except DomainError as error:
        typer.echo(json.dumps(error.as_dict()), err=True)
        sys.exit(2)
    except SchemaError as error:  # a store this release cannot run on: say what to do, no traceback
        typer.echo(str(error), err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
