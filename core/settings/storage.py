"""Storage settings: the `[storage]` section of config.toml."""

from pydantic import Field, field_validator

from core.settings_base import Section


class StorageSettings(Section):
    url: str = Field(
        "sqlite:///data/storyloom.db",
        description="SQLAlchemy URL: sqlite:///path or postgresql+psycopg://user@host/db.",
    )
    busy_timeout_ms: int = Field(30_000, gt=0, description="SQLite busy timeout.")

    @field_validator("url")
    @classmethod
    def _known_backend(cls, v: str) -> str:
        if not (v.startswith("sqlite:") or v.startswith("postgresql")):
            raise ValueError("must start with sqlite:/// or postgresql+psycopg://")
        return v
