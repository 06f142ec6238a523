"""The seams between the layers stay typed: no activity, child workflow, workflow or signal is
called by a string, and no handler is found by building its name. Renaming a class or a method
then breaks at import or in the type checker, never silently at run time."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
PRODUCT = ("domain", "eventstore", "policy", "workflows", "projections", "config", "workers", "api")

# Temporal calls whose first argument names what is run or signalled.
BY_NAME = {
    "execute_activity",
    "start_activity",
    "execute_child_workflow",
    "start_child_workflow",
    "start_workflow",
    "execute_workflow",
    "signal",
    "signal_with_start",
}


def product_files() -> list[Path]:
    return sorted(path for package in PRODUCT for path in (ROOT / package).rglob("*.py"))


def calls_by_string(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        first = node.args[0]
        if name in BY_NAME and (
            isinstance(first, ast.JoinedStr) or (isinstance(first, ast.Constant) and isinstance(first.value, str))
        ):
            found.append((node.lineno, name))
    return found


def handlers_by_built_name(tree: ast.AST) -> list[int]:
    """``getattr(obj, f"on_{...}")`` and the like: a method found by a name made at run time."""
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", "") == "getattr"
        and len(node.args) >= 2
        and isinstance(node.args[1], ast.JoinedStr | ast.BinOp)
    ]


# The event library's upcasting convention (decision 0006) finds ``upcast_vN_vN+1`` on the event
# class by name; it is the one place a name is built, and a missing upcaster fails on first read.
UPCASTING = ROOT / "eventstore" / "mapper.py"


@pytest.mark.parametrize("path", product_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_nothing_is_called_across_a_seam_by_a_string(path: Path) -> None:
    tree = ast.parse(path.read_text(), filename=str(path))
    assert calls_by_string(tree) == []
    if path != UPCASTING:
        assert handlers_by_built_name(tree) == []


def test_the_check_finds_a_call_by_string() -> None:
    tree = ast.parse(
        'await workflow.execute_activity("record_command", x)\n'
        'await handle.signal(f"{name}")\n'
        'getattr(self, f"on_{type(event).__name__}")\n'
        "await workflow.execute_activity_method(CaseActivities.record_command, x)\n"
    )
    assert calls_by_string(tree) == [(1, "execute_activity"), (2, "signal")]
    assert handlers_by_built_name(tree) == [3]
