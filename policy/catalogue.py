"""Find a council's rule sets: as the policy record published them, and as files on disk.

Files are ``<folder>/<council-slug>/ras-<version>.toml``. Without a policy record (tests of the
files themselves) the files are the rule sets, as they always were. With one (``attach``, every
process ``config.bootstrap`` wires), a published version is read from the record, which holds its
exact text; a file on disk of a published version must still hash to what was published, or it
is refused (``rule_set_edited_after_publication``); and a file of a council that has published
anything is not in force until it is published itself (``carecase policy publish``). The files of
a council with no publication yet are the rule sets its release shipped: ``config.bootstrap``
records them as the bootstrap publication at first start (decision 0034).

Every lookup reads the files again and hashes the bytes it read, so an edited file is seen at
once. The files are few and small, so there is nothing worth caching but the parse.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Protocol

from domain.errors import InvalidInput, NotFound, RuleViolation
from domain.policy import Publication
from domain.ras.rule_set import RuleSet, parse_rule_set

COUNCILS_FOLDER = Path(__file__).resolve().parent / "councils"

_PREFIX = "ras-"
_SUFFIX = ".toml"


class PolicyRecord(Protocol):
    """Where the catalogue finds what has been published (``domain.application.CaseRecord``)."""

    def publications(self) -> list[Publication]: ...

    def know_council_policy(self, council: str) -> None: ...


class RuleSetCatalogue:
    def __init__(self, folder: Path | str = COUNCILS_FOLDER, policy: PolicyRecord | None = None) -> None:
        self._parsed: dict[tuple[str, bytes], RuleSet] = {}
        self._folder = Path(folder)
        self._policy = policy
        if not self._folder.is_dir():
            raise NotFound(f"no rule set folder at {self._folder}", code="rule_set_folder_not_found")

    @property
    def folder(self) -> Path:
        return self._folder

    def attach(self, policy: PolicyRecord) -> None:
        """Read publications from the policy record from now on (it is made after its catalogue)."""
        self._policy = policy

    def get(self, rule_set_id: str, version: str) -> RuleSet:
        # Compared by name rather than globbed, so a version string can never act as a pattern.
        file_name = f"{_PREFIX}{version}{_SUFFIX}"
        if self._policy is not None:
            found = [r for r in self.all() if (r.id, r.version) == (rule_set_id, version)]
        else:
            found = [
                rule_set
                for rule_set in (self._load(path) for path in self._files() if path.name == file_name)
                if rule_set.id == rule_set_id
            ]
        if not found:
            raise NotFound(f"no rule set {rule_set_id} version {version} is published", code="rule_set_not_found")
        _refuse_duplicates(found)
        return found[0]

    def current(self, rule_set_id: str, *, on: date) -> RuleSet:
        """The version in force on ``on``: the latest to take effect on or before that day."""
        published = [rule_set for rule_set in self.all() if rule_set.id == rule_set_id]
        if not published:
            raise NotFound(f"no rule set {rule_set_id} is published", code="rule_set_not_found")
        versions = [rule_set for rule_set in published if rule_set.effective_from <= on]
        if not versions:
            first = min(rule_set.effective_from for rule_set in published)
            raise RuleViolation(
                f"no version of {rule_set_id} is in force on {on.isoformat()}: the first takes effect on "
                f"{first.isoformat()}",
                code="no_rule_set_in_force",
                field="effective_at",
                details={"on": on.isoformat(), "first_effective_from": first.isoformat()},
            )
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
        """Every version in force or to come, oldest first within each rule set."""
        on_disk = [self._load(path) for path in self._files()]
        _refuse_duplicates(on_disk)
        rule_sets = on_disk if self._policy is None else self._published(on_disk)
        return sorted(rule_sets, key=lambda r: (r.id, r.effective_from, r.version))

    def files_on_disk(self) -> list[tuple[bytes, RuleSet]]:
        """Each rule set file's exact bytes with what they parse to, whether published or not."""
        found = []
        for path in self._files():
            rule_set = self._load(path)
            found.append((path.read_bytes(), rule_set))
        return found

    def publications(self) -> dict[tuple[str, str], Publication]:
        """Who published each version and when; empty without a policy record."""
        if self._policy is None:
            return {}
        return {(p.rule_set_id, p.version): p for p in self._policy.publications()}

    def _published(self, on_disk: list[RuleSet]) -> list[RuleSet]:
        assert self._policy is not None
        for council in {rule_set.council for rule_set in on_disk}:
            self._policy.know_council_policy(council)
        publications = self.publications()
        publishing = {publication.council for publication in publications.values()}
        rule_sets = [self._published_text(publication) for publication in publications.values()]
        for rule_set in on_disk:
            publication = publications.get((rule_set.id, rule_set.version))
            if publication is not None:
                file_must_be_as_published(rule_set, publication)
            elif rule_set.council not in publishing:
                rule_sets.append(rule_set)  # shipped, and its council's bootstrap not yet recorded
        return rule_sets

    def _files(self) -> list[Path]:
        return sorted(self._folder.glob(f"*/{_PREFIX}*{_SUFFIX}"))

    def _load(self, path: Path) -> RuleSet:
        file = path.relative_to(self._folder).as_posix()
        data = path.read_bytes()
        # Parsed once per content: the file is read every time, so an edit is seen (and its new
        # hash recorded) at once, but an unchanged file is not parsed again.
        rule_set = self._parse(data, file)
        named_version = path.name.removeprefix(_PREFIX).removesuffix(_SUFFIX)
        if rule_set.version != named_version:
            raise InvalidInput(
                f"{file} declares version {rule_set.version}; the file name says {named_version}",
                code="rule_set_file_name_mismatch",
                field="version",
                details={"file": file},
            )
        return rule_set

    def _published_text(self, publication: Publication) -> RuleSet:
        rule_set = self._parse(publication.content.encode("utf-8"), f"{publication.rule_set_id} {publication.version}")
        if rule_set.content_hash != publication.content_hash:
            # The stored text was altered after it was recorded: `carecase audit verify` names the event.
            raise RuleViolation(
                f"the published text of {publication.rule_set_id} {publication.version} no longer hashes to "
                f"{publication.content_hash}: the policy record was altered",
                code="published_rule_set_altered",
                field="version",
                details={"published_hash": publication.content_hash, "text_hash": rule_set.content_hash},
            )
        return rule_set

    def _parse(self, data: bytes, file: str) -> RuleSet:
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
        self._parsed[key] = rule_set
        return rule_set


def file_must_be_as_published(rule_set: RuleSet, publication: Publication) -> None:
    """A published version is never edited: its file on disk hashes to what was published."""
    if rule_set.content_hash != publication.content_hash:
        raise RuleViolation(
            f"the file of {rule_set.id} {rule_set.version} was edited after it was published: it hashes to "
            f"{rule_set.content_hash}, the published version to {publication.content_hash}; publish a new "
            "version instead",
            code="rule_set_edited_after_publication",
            field="version",
            details={"published_hash": publication.content_hash, "file_hash": rule_set.content_hash},
        )


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
