"""The command registry: every command by its class name, and the package exports each one."""

from __future__ import annotations

import pytest

import domain.commands
from domain.commands import COMMANDS, CaseCommand

pytestmark = pytest.mark.unit


def test_every_command_is_registered_under_its_class_name():
    assert COMMANDS, "no commands registered"
    for name, command in COMMANDS.items():
        assert issubclass(command, CaseCommand)
        assert command.__name__ == name


def test_the_package_exports_exactly_the_registry_and_its_base():
    exported = domain.commands.__all__
    assert len(exported) == len(set(exported))
    assert set(exported) == {"COMMANDS", "CaseCommand", "CouncilSettings", "Services", *COMMANDS}
    for name in domain.commands.__all__:
        assert hasattr(domain.commands, name), name


def test_every_command_model_in_the_package_is_registered():
    models = {
        cls.__name__
        for module in vars(domain.commands).values()
        if getattr(module, "__name__", "").startswith("domain.commands.")
        for cls in vars(module).values()
        if isinstance(cls, type) and issubclass(cls, CaseCommand) and cls is not CaseCommand
    }
    assert models == set(COMMANDS)
