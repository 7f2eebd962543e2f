"""The one base class every settings section derives from.

Sections forbid unknown keys so a typo in config.toml fails at start with the key named,
instead of being silently ignored (spaCy's schemas do the same).
"""

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False)
