"""The rulebook: every refusal of a case command is a named rule in domain/case/rules.py, each
stable error code belongs to one rule, and docs/rules.md lists every rule as the code has it."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import domain.errors

pytestmark = pytest.mark.unit

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CASE_PACKAGE = PROJECT_ROOT / "domain" / "case"
RULES_FILE = CASE_PACKAGE / "rules.py"
RULES_DOC = PROJECT_ROOT / "docs" / "rules.md"
RULEBOOK_HEADING = "## The rulebook"

DOMAIN_ERRORS = {
    name
    for name, value in vars(domain.errors).items()
    if isinstance(value, type) and issubclass(value, domain.errors.DomainError)
}
ANSWER = {"RuleViolation": "409", "NotFound": "404", "InvalidInput": "422"}


@dataclass
class Rule:
    name: str
    codes: list[str] = field(default_factory=list)
    answers: set[str] = field(default_factory=set)
    calls: set[str] = field(default_factory=set)


def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def raised_domain_errors(tree: ast.AST) -> list[ast.Raise]:
    raises = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and node.exc is not None:
            target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(target, ast.Name) and target.id in DOMAIN_ERRORS:
                raises.append(node)
    return raises


def called_names(tree: ast.AST) -> set[str]:
    return {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}


def rules_in_the_code() -> dict[str, Rule]:
    """Every function of rules.py that refuses something, with the codes it refuses with."""
    rules: dict[str, Rule] = {}
    for function in parse(RULES_FILE).body:
        if not isinstance(function, ast.FunctionDef):
            continue
        rule = Rule(function.name, calls=called_names(function))
        for raised in raised_domain_errors(function):
            assert isinstance(raised.exc, ast.Call) and isinstance(raised.exc.func, ast.Name)
            code = next((k.value for k in raised.exc.keywords if k.arg == "code"), None)
            assert isinstance(code, ast.Constant) and isinstance(code.value, str), (
                f"{function.name} (line {raised.lineno}) raises without a literal code=: a stable code is one "
                "a reader can find"
            )
            if code.value not in rule.codes:
                rule.codes.append(code.value)
            rule.answers.add(ANSWER[raised.exc.func.id])
        if rule.codes:
            rules[rule.name] = rule
    return rules


def commands_checking(rules: dict[str, Rule]) -> dict[str, set[str]]:
    """Which command methods of the Case check each rule, directly or through another rule."""
    # A rule may be checked through another function of the rulebook that names several rules at once.
    calls = {f.name: called_names(f) for f in parse(RULES_FILE).body if isinstance(f, ast.FunctionDef)}
    reach: dict[str, set[str]] = {}

    def reached(name: str) -> set[str]:
        if name not in reach:
            reach[name] = {name} & rules.keys()
            for called in calls[name] & calls.keys():
                reach[name] |= reached(called)
        return reach[name]

    methods = [
        method
        for path in sorted(CASE_PACKAGE.glob("*.py"))
        if path != RULES_FILE
        for node in ast.walk(parse(path))
        if isinstance(node, ast.ClassDef)
        for method in node.body
        if isinstance(method, ast.FunctionDef)
    ]
    # A command method may check the rules its role shares with another through a helper of the
    # case's own (``self._representative_may_be_recorded(...)``): the rules the helper checks count.
    helpers = {method.name: method for method in methods if method.name.startswith("_")}

    def names_checked(method: ast.FunctionDef, seen: frozenset[str] = frozenset()) -> set[str]:
        names = called_names(method)
        for helper in self_calls(method) & helpers.keys() - seen:
            names |= names_checked(helpers[helper], seen | {helper})
        return names

    checked_by: dict[str, set[str]] = defaultdict(set)
    for method in methods:
        if not method.name.startswith("_"):
            for called in names_checked(method) & calls.keys():
                for rule in reached(called):
                    checked_by[rule].add(method.name)
    return checked_by


def self_calls(tree: ast.AST) -> set[str]:
    """The methods a function calls on ``self``."""
    return {
        n.func.attr
        for n in ast.walk(tree)
        if isinstance(n, ast.Call)
        and isinstance(n.func, ast.Attribute)
        and isinstance(n.func.value, ast.Name)
        and n.func.value.id == "self"
    }


EVERY_COMMAND = "every command"


def every_command(checked_by: dict[str, set[str]]) -> set[str]:
    return set().union(*checked_by.values())


def expected_row(rule: Rule, commands: set[str], all_commands: set[str]) -> str:
    codes = ", ".join(f"`{code}`" for code in rule.codes)
    if commands == all_commands:
        checked = EVERY_COMMAND
    else:
        checked = ", ".join(f"`{command}`" for command in sorted(commands)) or "—"
    return f"| `{rule.name}` | {codes} | {'/'.join(sorted(rule.answers))} | {checked} | … |"


def cells_of(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def rulebook_rows() -> dict[str, list[str]]:
    text = RULES_DOC.read_text(encoding="utf-8")
    assert RULEBOOK_HEADING in text, f"docs/rules.md has no {RULEBOOK_HEADING!r} section"
    section = text.split(RULEBOOK_HEADING, 1)[1].split("\n## ", 1)[0]
    rows: dict[str, list[str]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 4 and cells[0].startswith("`"):
            (name,) = cells_of(cells[0])
            assert name not in rows, f"docs/rules.md lists {name} twice"
            rows[name] = cells
    return rows


def test_no_command_of_the_case_raises_a_refusal_of_its_own():
    inline = []
    for path in sorted(CASE_PACKAGE.glob("*.py")):
        if path == RULES_FILE:
            continue
        tree = parse(path)
        inline += [f"{path.name}:{r.lineno}" for r in raised_domain_errors(tree)]
        inline += [
            f"{path.name}:{node.lineno} imports domain.errors"
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module == "domain.errors"
        ]
    assert not inline, f"refusals outside domain/case/rules.py (make each a named rule there): {inline}"


def test_every_rule_code_belongs_to_one_rule_only():
    owners: dict[str, list[str]] = defaultdict(list)
    for rule in rules_in_the_code().values():
        for code in rule.codes:
            owners[code].append(rule.name)
    shared = {code: names for code, names in owners.items() if len(names) > 1}
    assert not shared, f"codes raised by more than one rule: {shared}"


def test_no_other_part_of_the_domain_raises_a_rule_code():
    rule_codes = {code for rule in rules_in_the_code().values() for code in rule.codes}
    elsewhere = []
    for path in sorted((PROJECT_ROOT / "domain").rglob("*.py")):
        if path == RULES_FILE:
            continue
        for raised in raised_domain_errors(parse(path)):
            exc = raised.exc
            codes = [k.value for k in exc.keywords if k.arg == "code"] if isinstance(exc, ast.Call) else []
            elsewhere += [
                f"{path.relative_to(PROJECT_ROOT)}:{raised.lineno} ({c.value})"
                for c in codes
                if isinstance(c, ast.Constant) and c.value in rule_codes
            ]
    assert not elsewhere, f"a rule's code raised outside the rulebook: {elsewhere}"


def test_every_rule_is_checked_by_some_command():
    rules = rules_in_the_code()
    checked_by = commands_checking(rules)
    assert not sorted(set(rules) - set(checked_by)), "rules no command checks"


def test_docs_rules_md_lists_every_rule_with_its_codes_answer_and_commands():
    rules = rules_in_the_code()
    checked_by = commands_checking(rules)
    all_commands = every_command(checked_by)
    rows = rulebook_rows()
    wrong = []
    for name, rule in rules.items():
        cells = rows.get(name)
        if (
            cells is None
            or sorted(cells_of(cells[1])) != sorted(rule.codes)
            or cells[2] != "/".join(sorted(rule.answers))
            or (set(cells_of(cells[3])) if cells[3] != EVERY_COMMAND else all_commands) != checked_by[name]
        ):
            wrong.append(expected_row(rule, checked_by[name], all_commands))
    stale = sorted(set(rows) - set(rules))
    assert not wrong and not stale, (
        f"docs/rules.md, {RULEBOOK_HEADING!r}, is out of step with domain/case/rules.py.\n"
        f"Rows no rule has any more: {stale}\nRows to write (the last cell is yours):\n" + "\n".join(wrong)
    )
