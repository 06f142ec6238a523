"""Views register their handlers by event class: a wrong registration fails when the class is made,
never later as a view that silently stops changing (decision 0017)."""

from __future__ import annotations

from typing import Any

import pytest

from domain.case.aggregate import Case
from domain.case.base import CaseEvent
from domain.case.carers import CarerSteps
from projections.base import Projection, handles
from projections.catalogue import all_views


class Bare(Projection):
    """A view with no tables, for registrations alone."""

    def create_tables(self, cursor: Any) -> None:
        pass


class Seen(Bare):
    name = "seen"

    def __init__(self) -> None:
        self.seen: list[str] = []

    @handles(CaseEvent)
    def anything(self, cursor: Any, event: CaseEvent, notification_id: int) -> None:
        self.seen.append("anything")

    @handles(Case.CarerAssessmentOffered, Case.CarerAssessmentAccepted)
    def answered(
        self, cursor: Any, event: Case.CarerAssessmentOffered | Case.CarerAssessmentAccepted, notification_id: int
    ) -> None:
        self.seen.append("answered")


def test_the_most_specific_registration_handles_an_event():
    assert Seen.handler_of(Case.CarerAssessmentOffered) is Seen.handlers[Case.CarerAssessmentOffered]
    assert Seen.handler_of(Case.CarerAssessmentAccepted).__name__ == "answered"  # type: ignore[union-attr]
    assert Seen.handler_of(Case.CarerAssessmentDeclined).__name__ == "anything"  # type: ignore[union-attr]
    assert Seen.handler_of(int) is None


def test_a_handler_registered_for_a_class_its_annotation_refuses_fails_when_the_class_is_made():
    with pytest.raises(TypeError, match="annotated"):

        class Crossed(Bare):
            @handles(Case.CarerAssessmentDeclined)
            def declined(self, cursor: Any, event: Case.CarerAssessmentAccepted, notification_id: int) -> None:
                pass


def test_two_handlers_for_one_class_fail_when_the_class_is_made():
    with pytest.raises(TypeError, match="twice"):

        class Twice(Bare):
            @handles(Case.CaseClosed)
            def closed(self, cursor: Any, event: Case.CaseClosed, notification_id: int) -> None:
                pass

            @handles(Case.CaseClosed)
            def closed_again(self, cursor: Any, event: Case.CaseClosed, notification_id: int) -> None:
                pass


def test_only_case_event_classes_can_be_registered():
    with pytest.raises(TypeError, match="case event classes"):
        handles("CarerAssessmentOffered")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="case event classes"):
        handles()


def test_an_event_class_that_is_gone_fails_at_import():
    # What a renamed event does to a view that still names it: the module defining it cannot load.
    with pytest.raises(AttributeError):
        handles(Case.CarerAssessmentProposed)  # type: ignore[attr-defined]


def test_a_subclass_override_keeps_the_registration():
    class Quieter(Seen):
        def answered(self, cursor: Any, event: Any, notification_id: int) -> None:
            self.seen.append("quieter")

    view = Quieter()
    event = object.__new__(Case.CarerAssessmentOffered)
    assert view.handle(None, event, 1)  # type: ignore[arg-type]
    assert view.seen == ["quieter"]


def test_a_handler_for_a_step_class_catches_the_events_the_case_records():
    # The library redefines each event on ``Case`` (the class stored events decode to), as a
    # subclass of the one its step defines: naming either reaches them.
    class ByStep(Bare):
        @handles(CarerSteps.CarerIdentified)
        def identified(self, cursor: Any, event: CarerSteps.CarerIdentified, notification_id: int) -> None:
            pass

    assert issubclass(Case.CarerIdentified, CarerSteps.CarerIdentified)
    assert ByStep.handler_of(Case.CarerIdentified) is ByStep.handlers[CarerSteps.CarerIdentified]


def test_every_view_registers_case_event_classes_only():
    for view in all_views():
        assert view.handlers, view.name
        assert all(issubclass(event_class, CaseEvent) for event_class in view.handlers), view.name
