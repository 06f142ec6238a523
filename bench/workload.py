"""The benchmark's load, shaped as serious event-store benchmarks shape it: many small streams
(the seeded synthetic caseload) and a few hot ones (cases with a weekly direct payment paid for
years, about a thousand events each), so events per stream follow a long-tailed, Zipf-like law."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from domain import commands as c
from simulation.caseload import CaseScript, generate_caseload
from simulation.scenario import ADULT, Scenario, plan_for


def hot_case(payments: int, start: date | None = None) -> CaseScript:
    """A case in service for years with a weekly direct payment: 2 events a payment, ~2×payments events.
    The agreement starts today (by default): the record refuses one that starts further back than
    the council allows, judged on the day it is recorded."""
    start = start or datetime.now(UTC).date()
    s = Scenario()
    commands: list[c.CaseCommand] = list(s.up_to_planning(carers=()))
    plan = plan_for(ADULT, weekly_hours=10)
    plan["direct_payment_pence"] = 23_000
    plan["direct_payment_frequency"] = "weekly"
    commands += [
        s.draft(plan=plan),
        s.submit(),
        s.sign_off(),
        s.agreement(start_date=start.isoformat(), frequency="weekly", amount_per_payment_pence=23_000),
    ]
    for slot in range(1, payments + 1):
        due = start + timedelta(weeks=slot - 1)
        commands.append(s.schedule_payment(slot, due_on=due.isoformat(), amount_pence=23_000))
        commands.append(s.issue_payment(slot, payment_reference=f"PAY-{slot:05d}"))
    return CaseScript(case_id=s.case_id, profile="hot", carers=0, age_band="older", commands=commands)


def workload(small_cases: int, hot_cases: int, hot_payments: int, seed: int) -> list[CaseScript]:
    """Small cases and hot ones interleaved in a seeded order, so hot streams are written among the rest."""
    scripts = list(generate_caseload(small_cases, seed)) + [hot_case(hot_payments) for _ in range(hot_cases)]
    random.Random(seed).shuffle(scripts)
    return scripts


def stream_shape(events_per_case: dict[Any, int]) -> dict[str, Any]:
    """How events spread over streams: the share the hottest 1% of streams hold."""
    counts = sorted(events_per_case.values(), reverse=True)
    total = sum(counts) or 1
    top = max(1, len(counts) // 100)
    return {
        "streams": len(counts),
        "events": sum(counts),
        "largest_stream": counts[0] if counts else 0,
        "median_stream": counts[len(counts) // 2] if counts else 0,
        "hottest_1pct_share": round(sum(counts[:top]) / total, 3),
    }
