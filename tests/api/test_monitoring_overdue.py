"""An overdue direct payment monitoring return is listed by ``/ops/stuck``, driven through HTTP only:
the case to a signed-off direct-payment plan and an agreement that began a fortnight ago, with the
views' monitoring period shortened to a week (and no grace) so its first return is already late."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.api.test_lifecycle_over_http import FrontEnd
from tests.builders import Scenario
from tests.domain.story import adult_only_signed_off


@pytest.mark.service_levels(monitoring_return_weeks=1, monitoring_return_grace_days=0)
async def test_an_overdue_monitoring_return_is_listed_by_ops_stuck(http: httpx.AsyncClient, tokens):
    front = FrontEnd(http, tokens[1])
    s = Scenario()
    for command in adult_only_signed_off(s):
        await front.do(command, command.actor.role.value)
    start = datetime.now(UTC).date() - timedelta(days=14)
    await front.do(s.agreement(start_date=start.isoformat()), "finance_officer")

    stuck = await front.get("/ops/stuck", role="ops")
    [row] = [r for r in stuck["items"] if r["case_id"] == front.case_id and r["what"].startswith("monitoring:")]
    # The week from the start ended the day before a week later; the return was due by the end of it.
    due = datetime.combine(start + timedelta(days=7), datetime.min.time(), tzinfo=UTC)
    assert (row["what"], row["team"], row["since"], row["flagged"]) == ("monitoring:dp-1", "east-locality", None, False)
    assert datetime.fromisoformat(row["due_at"].replace("Z", "+00:00")) == due
    assert row["overdue_by_hours"] == int((datetime.fromisoformat(stuck["now"]) - due).total_seconds() // 3600)
    assert "adult_name" not in row and "recipient_name" not in row

    # Finance's return for that week (nothing paid in it yet, so nothing spent) clears it from the list.
    returned = await front.do(
        s.monitoring_return(
            period_start=start.isoformat(),
            period_end=(start + timedelta(days=6)).isoformat(),
            spent_pence=0,
            items_over_threshold=0,
            receipts_over_threshold=0,
            underspend_pence=None,
        ),
        "finance_officer",
    )
    assert [e["type"] for e in returned["events"]] == ["MonitoringReturnReceived"]
    stuck = await front.get("/ops/stuck", role="ops")
    [row] = [r for r in stuck["items"] if r["case_id"] == front.case_id and r["what"].startswith("monitoring:")]
    assert datetime.fromisoformat(row["due_at"].replace("Z", "+00:00")) == due + timedelta(days=7)
