"""The case workflow's side of its payments: one child ``PaymentsWorkflow`` per direct payment
agreement, started and told of the record's changes as the process asks (``domain.case.process``)."""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ApplicationError
from temporalio.workflow import ParentClosePolicy

from domain.case.process import (
    PaymentsChange,
    ResumePayments,
    StartPayments,
    StopPayments,
    SuspendPayments,
    VaryPayments,
)
from workflows.payments import PaymentsInput, PaymentsWorkflow, payments_workflow_id


async def start_payments(parent_id: str, case_id: str, intent: StartPayments) -> None:
    await workflow.start_child_workflow(
        PaymentsWorkflow.run,
        PaymentsInput(
            case_id=case_id,
            agreement_id=intent.agreement_id,
            frequency=intent.frequency,
            amount_per_payment_pence=intent.amount_per_payment_pence,
            start_date=intent.start_date,
            next_slot=intent.first_slot,
            parent_workflow_id=workflow.info().workflow_id,
        ),
        id=payments_workflow_id(parent_id, intent.agreement_id),
        # Abandon, so the payments carry on when the case workflow continues as new.
        parent_close_policy=ParentClosePolicy.ABANDON,
    )


async def tell_payments(parent_id: str, change: PaymentsChange) -> None:
    handle = workflow.get_external_workflow_handle_for(
        PaymentsWorkflow.run, payments_workflow_id(parent_id, change.agreement_id)
    )
    if isinstance(change, VaryPayments):
        try:
            await handle.signal(PaymentsWorkflow.vary, list(change.schedule))
        except ApplicationError:
            pass  # the payments workflow has already finished: nothing left to tell it
        return
    match change:
        case SuspendPayments():
            signal = PaymentsWorkflow.suspend
        case ResumePayments():
            signal = PaymentsWorkflow.resume
        case StopPayments():
            signal = PaymentsWorkflow.stop
    try:
        await handle.signal(signal)
    except ApplicationError:
        pass  # the payments workflow has already finished: nothing left to tell it
