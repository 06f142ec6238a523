"""The layers as the imports draw them: the product never imports the simulation or the process
entry points, and the API is wired from outside (``config.bootstrap``), never wiring itself."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("domain", "eventstore", "policy", "projections", "workflows", "api", "config")
# What each layer must not import.
FORBIDDEN = {
    **{package: {"simulation", "workers"} for package in PRODUCT},
    "api": {"simulation", "workers", "config"},
    "simulation": {"workers", "config"},
}
ENTRY_POINTS = {"__init__", "cli", "worker", "run", "dev_server"}


def imported_packages(package: str) -> dict[str, set[str]]:
    """For each module of the package, the top-level packages it imports (at any depth, lazily too)."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
            elif isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
        found[str(path.relative_to(ROOT))] = names
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_layer_imports_nothing_above_it(package: str) -> None:
    crossings = {
        module: sorted(names & FORBIDDEN[package])
        for module, names in imported_packages(package).items()
        if names & FORBIDDEN[package]
    }
    assert crossings == {}


def test_workers_holds_only_the_process_entry_points() -> None:
    assert {path.stem for path in (ROOT / "workers").glob("*.py")} == ENTRY_POINTS
