"""Domain errors carry a stable, machine-readable ``code`` that callers map to HTTP statuses.

Two families:
- ``RuleViolation``: the request is well formed but the case record does not allow it now
  (an API answers 409 Conflict).
- ``InvalidInput``: a field breaks a rule of its own (an API answers 422), and the error names the
  field and the rule.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error the domain raises on purpose."""

    code: str = "domain_error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        field: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.message = message
        self.field = field
        self.details = details or {}

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field is not None:
            body["field"] = self.field
        if self.details:
            body["details"] = self.details
        return body

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r}, field={self.field!r})"


class RuleViolation(DomainError):
    """A named invariant of the case record refused the command (409)."""

    code = "rule_violation"


class InvalidInput(DomainError):
    """A field of the command breaks a rule of its own (422)."""

    code = "invalid_input"


class NotFound(DomainError):
    """The case, person or record named does not exist (404)."""

    code = "not_found"


class ConcurrencyConflict(DomainError):
    """Another writer changed the case at the same moment and retries ran out (409)."""

    code = "concurrent_update"
