"""Every view the product keeps, in one list: the runner, the rebuild command and the API share it."""

from __future__ import annotations

from domain.commands import CouncilSettings
from domain.service_levels import ServiceLevels
from projections.audit_timeline import AuditTimelineView
from projections.base import Projection
from projections.carers_register import CarersRegisterView
from projections.case_access import CaseAccessView
from projections.current_case import CurrentCaseView
from projections.ledger import BudgetLedgerView
from projections.overdue import DeadlinesView
from projections.people import PeopleView
from projections.worklists import WorklistView


def all_views(service_levels: ServiceLevels | None = None, council: CouncilSettings | None = None) -> list[Projection]:
    """Every view, with the service levels and the council's settings the derived ones weigh."""
    levels = service_levels or ServiceLevels()
    return [
        CurrentCaseView(levels),
        WorklistView(levels, council),
        DeadlinesView(levels),
        CarersRegisterView(),
        BudgetLedgerView(),
        AuditTimelineView(),
        CaseAccessView(),
        PeopleView(),
    ]
