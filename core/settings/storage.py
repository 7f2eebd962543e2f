"""Storage settings: the `[storage]` and `[workers]` sections of config.toml."""

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


WORKER_STAGES = ("nlp", "embed", "cluster", "sentences", "lens", "drafts")
LEASED = ("source", "nlp", "embed", "lens", "drafts")


class WorkerSettings(Section):
    """The `[workers]` section: how workers share a store (claims, waking, the one writer)."""

    stages: list[str] = Field(
        list(WORKER_STAGES),
        description="Stages a worker runs, in data-flow order (`storyloom worker --stages`).",
    )
    lease_s: dict[str, float] = Field(
        {
            "source": 120.0,
            "nlp": 600.0,
            "embed": 600.0,
            "lens": 600.0,
            "drafts": 600.0,
        },
        description=(
            "Seconds a claim keeps an item from other workers, per stage; a killed worker's "
            "items return to the pool after it. Page fetches use [crawler] fetch_lease_s; the "
            "cluster stage needs none (its one writer takes a dead writer's claims at once)."
        ),
    )
    claim_batch: int = Field(
        16,
        gt=0,
        description="Stories a worker claims at a time for drafting (a draft takes seconds).",
    )
    idle_wait_s: float = Field(
        30.0,
        gt=0,
        description=(
            "Longest sleep of an idle worker; new work wakes it sooner (LISTEN/NOTIFY on "
            "PostgreSQL), and expired claims are picked up after at most this long."
        ),
    )
    cluster_lock_wait_s: float = Field(
        60.0,
        ge=0,
        description=(
            "How long an editor operation or `storyloom consolidate` waits for the one "
            "clustering writer before giving up with a clear message."
        ),
    )
    doctor_at_start: bool = Field(
        True, description="Run `storyloom doctor`'s repairs when a worker or crawler starts."
    )

    @field_validator("stages")
    @classmethod
    def _known_stages(cls, v: list[str]) -> list[str]:
        bad = [s for s in v if s not in WORKER_STAGES]
        if bad:
            raise ValueError(f"unknown stages {bad}; allowed: {', '.join(WORKER_STAGES)}")
        return v

    @field_validator("lease_s")
    @classmethod
    def _known_leases(cls, v: dict[str, float]) -> dict[str, float]:
        bad = [k for k, s in v.items() if k not in LEASED or s <= 0]
        if bad:
            raise ValueError(f"bad leases {bad}: stages are {', '.join(LEASED)}, seconds > 0")
        return v
