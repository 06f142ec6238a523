"""Find published rule sets on disk: ``<folder>/<council-slug>/ras-<version>.toml``.

Every lookup reads the file again and hashes the bytes it read, so a file edited after
publication shows a new content hash at once and can never pass for the version a calculation
recorded. The files are few and small, so there is nothing worth caching.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from domain.errors import InvalidInput, NotFound
from domain.ras.rule_set import RuleSet, parse_rule_set

COUNCILS_FOLDER = Path(__file__).resolve().parent / "councils"

_PREFIX = "ras-"
_SUFFIX = ".toml"


class RuleSetCatalogue:
    def __init__(self, folder: Path | str = COUNCILS_FOLDER) -> None:
        self._parsed: dict[tuple[str, bytes], RuleSet] = {}
        self._folder = Path(folder)
        if not self._folder.is_dir():
            raise NotFound(f"no rule set folder at {self._folder}", code="rule_set_folder_not_found")

    def get(self, rule_set_id: str, version: str) -> RuleSet:
        # Compared by name rather than globbed, so a version string can never act as a pattern.
        file_name = f"{_PREFIX}{version}{_SUFFIX}"
        found = [
            rule_set
            for rule_set in (self._load(path) for path in self._files() if path.name == file_name)
            if rule_set.id == rule_set_id
        ]
        if not found:
            raise NotFound(f"no rule set {rule_set_id} version {version} is published", code="rule_set_not_found")
        _refuse_duplicates(found)
        return found[0]

    def current(self, rule_set_id: str) -> RuleSet:
        """The version with the latest ``effective_from``."""
        versions = [rule_set for rule_set in self.all() if rule_set.id == rule_set_id]
        if not versions:
            raise NotFound(f"no rule set {rule_set_id} is published", code="rule_set_not_found")
        latest = max(rule_set.effective_from for rule_set in versions)
        candidates = [rule_set for rule_set in versions if rule_set.effective_from == latest]
        if len(candidates) > 1:
            raise InvalidInput(
                f"{rule_set_id} versions {', '.join(r.version for r in candidates)} all take effect on "
                f"{latest.isoformat()}, so none of them is clearly current",
                code="ambiguous_current_rule_set",
                field="effective_from",
            )
        return candidates[0]

    def all(self) -> list[RuleSet]:
        rule_sets = [self._load(path) for path in self._files()]
        _refuse_duplicates(rule_sets)
        return sorted(rule_sets, key=lambda r: (r.id, r.effective_from, r.version))

    def _files(self) -> list[Path]:
        return sorted(self._folder.glob(f"*/{_PREFIX}*{_SUFFIX}"))

    def _load(self, path: Path) -> RuleSet:
        file = path.relative_to(self._folder).as_posix()
        data = path.read_bytes()
        # Parsed once per content: the file is read every time, so an edit is seen (and its new
        # hash recorded) at once, but an unchanged file is not parsed again.
        key = (file, hashlib.sha256(data).digest())
        cached = self._parsed.get(key)
        if cached is not None:
            return cached
        try:
            rule_set = parse_rule_set(data)
        except InvalidInput as exc:
            raise InvalidInput(
                f"{file}: {exc.message}", code=exc.code, field=exc.field, details={**exc.details, "file": file}
            ) from exc
        named_version = path.name.removeprefix(_PREFIX).removesuffix(_SUFFIX)
        if rule_set.version != named_version:
            raise InvalidInput(
                f"{file} declares version {rule_set.version}; the file name says {named_version}",
                code="rule_set_file_name_mismatch",
                field="version",
                details={"file": file},
            )
        self._parsed[key] = rule_set
        return rule_set


def _refuse_duplicates(rule_sets: list[RuleSet]) -> None:
    seen: set[tuple[str, str]] = set()
    for rule_set in rule_sets:
        key = (rule_set.id, rule_set.version)
        if key in seen:
            raise InvalidInput(
                f"{rule_set.id} version {rule_set.version} is published more than once",
                code="duplicate_rule_set",
                field="version",
            )
        seen.add(key)
