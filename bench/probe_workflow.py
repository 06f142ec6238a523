"""A workflow that does nothing but answer an update: the floor under any update's round trip on
the same server and worker (B4's baseline)."""

from __future__ import annotations

from temporalio import workflow


@workflow.defn
class EmptyUpdateWorkflow:
    def __init__(self) -> None:
        self.done = False

    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: self.done)

    @workflow.update
    def ping(self) -> int:
        return 0

    @workflow.signal
    def finish(self) -> None:
        self.done = True
