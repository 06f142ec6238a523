"""The flags that tell a worker or an operations officer at a glance what needs attention.

One derivation, read by the workflow (for Temporal's search attributes) and by the projections
(for the worklists), so the list a manager filters in the Web UI and the one the API serves agree.
"""

from __future__ import annotations

from domain.case.state import CaseState
from domain.vocabulary import ReviewKind


def case_flags(state: CaseState) -> list[str]:
    flags = []
    if state.overdue:
        flags.append("overdue")
    if any(not c.resolved for p in state.people.values() for c in p.challenges):
        flags.append("challenged")
    if any(a.status == "suspended" for a in state.agreements.values()):
        flags.append("payment_suspended")
    if any(
        p.budget is not None and p.budget.exceeds_cap and p.cap_override_pence is None for p in state.people.values()
    ):
        flags.append("cap_override_needed")
    if any(p.young_carer for p in state.people.values()):
        flags.append("young_carer")
    if any(r.status == "scheduled" and r.kind == ReviewKind.UNPLANNED for r in state.reviews.values()):
        flags.append("review_requested")
    if state.escalation is not None:
        flags.append("escalated")
    if state.worker_id is None and not state.closed:
        flags.append("unallocated")
    return flags
