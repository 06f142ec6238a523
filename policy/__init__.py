"""Published council policy: Resource Allocation System rule sets as versioned TOML files."""

from policy.catalogue import COUNCILS_FOLDER, RuleSetCatalogue

__all__ = ["COUNCILS_FOLDER", "RuleSetCatalogue"]
