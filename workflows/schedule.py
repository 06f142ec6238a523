"""When each slot of a direct payment schedule falls due: the domain's own arithmetic
(``domain.payment_schedule``), which the payments workflow waits on."""

from __future__ import annotations

from domain.payment_schedule import DUE_TIME, add_months, due_at, due_date, last_slot

__all__ = ["DUE_TIME", "add_months", "due_at", "due_date", "last_slot"]
