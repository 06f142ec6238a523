"""The ``carecase`` command line: one composition root per invocation."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Annotated, Optional
from uuid import UUID

import typer

from domain.catalogue import catalogue_markdown, event_catalogue
from domain.errors import DomainError
from workers.composition import build_case_record
from workers.demo import run_demo, timeline

app = typer.Typer(help="carecase: the case record for personal budgets and direct payments", no_args_is_help=True)
audit_app = typer.Typer(help="Auditors' checks: hash chains and as-of reconstruction", no_args_is_help=True)
ras_app = typer.Typer(help="Resource allocation: verify recorded budget calculations", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
app.add_typer(ras_app, name="ras")
projections_app = typer.Typer(help="The read side: views built from the event store", no_args_is_help=True)
app.add_typer(projections_app, name="projections")

CaseOption = Annotated[Optional[str], typer.Option("--case", help="One case id; omit for the whole store")]


def _case_id(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a case id (a UUID)", param_hint="case") from None


def _print_timeline(entries: list) -> None:
    for entry in entries:
        typer.echo(f"{entry.version:>3}  {entry.recorded_at[:19]}  {entry.event:<36} {entry.role:<16} {entry.summary}")


@app.command()
def demo() -> None:
    """Run a realistic whole-family case through the case record and print its timeline."""
    record = build_case_record()
    case_id = run_demo(record, say=typer.echo)
    typer.echo(f"\nCase {case_id.hex} — timeline:\n")
    _print_timeline(timeline(record, case_id))
    case = record.get_case(case_id)
    report = record.verify_chain(case_id)
    typer.echo(f"\nStage now: {case.state.stage.value}; {case.version} events; hash chain "
               f"{'intact' if report.intact else 'BROKEN'}.")


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
def audit_verify(case: CaseOption = None, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Check hash chains; name every case whose stored history was altered, removed or reordered."""
    record = build_case_record()
    reports = [record.verify_chain(_case_id(case))] if case else list(record.verify_all_chains())
    broken = [r for r in reports if not r.intact]
    if as_json:
        typer.echo(json.dumps({"cases_checked": len(reports), "broken": [r.model_dump() for r in broken]}, indent=2))
    else:
        for report in broken:
            typer.echo(f"TAMPERED {report.case_id}")
            for problem in report.problems:
                typer.echo(f"  v{problem.version}: {problem.problem}")
        typer.echo(f"{len(reports)} case(s) checked, {len(broken)} with a broken chain")
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
    typer.echo(json.dumps({"case_id": case, "as_of": when.isoformat(), "version": found.version,
                           "state": found.state.model_dump(mode="json")}, indent=2))


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


@app.command()
def worker() -> None:
    """Run the Temporal worker: the case and payment workflows and their activities, until Ctrl-C or SIGTERM."""
    # Imported here so the other commands do not load the Temporal SDK.
    from workers.settings import Settings
    from workers.temporal_settings import TemporalSettings
    from workers.worker import run_worker

    run_worker(Settings.from_environment(), TemporalSettings.from_environment())


@app.command("dev-server")
def dev_server(
    time_skipping: Annotated[bool, typer.Option("--time-skipping",
                                                help="Allow per-workflow time skipping (as the tests do)")] = False,
) -> None:
    """Run a local Temporal dev server with the case search attributes, its state in var/temporal.db."""
    from workers.dev_server import run_dev_server
    from workers.temporal_settings import TemporalSettings

    raise typer.Exit(run_dev_server(TemporalSettings.from_environment(), time_skipping=time_skipping))


@projections_app.command("rebuild")
def projections_rebuild() -> None:
    """Empty every view and build it again from the first event, showing progress."""
    from workers.composition import build_projection_runner

    record = build_case_record()
    runner = build_projection_runner(record)
    last = record.recorder.max_notification_id() or 0
    with typer.progressbar(length=max(last, 1), label="Rebuilding views") as bar:
        done = 0

        def progress(position: int, _last_id: int) -> None:
            nonlocal done
            bar.update(max(position - done, 0))
            done = max(done, position)

        read = runner.rebuild(progress=progress)
    typer.echo(f"{read} event(s) read; positions: {runner.positions()}")


@projections_app.command("run")
def projections_run(poll_interval: Annotated[float, typer.Option(help="Seconds between polls when idle")] = 0.5,
                    ) -> None:
    """Keep every view up to date until interrupted (polls the event store)."""
    import signal
    import threading

    from workers.composition import build_projection_runner

    record = build_case_record()
    runner = build_projection_runner(record)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    typer.echo(f"Projection runner started at positions {runner.positions()}")
    runner.run_forever(stop, poll_interval=poll_interval)
    typer.echo(f"Projection runner stopped at positions {runner.positions()}")

def main() -> None:
    try:
        app()
    except DomainError as error:
        typer.echo(json.dumps(error.as_dict()), err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
