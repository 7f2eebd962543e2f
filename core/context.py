"""What the top (`storyloom/cli.py`) hands a stage's commands: the config and the store.

A stage's commands (`ingest/cli.py`, `models/cli.py`, `review/cli.py`) must not import the
entry point that registers them: that is a floor reaching up, and an import circle. The top
puts a `CommandContext` on the typer/click context (`ctx.obj`) of every invocation; a stage
command takes `ctx: typer.Context` and asks `ctx.obj` for what it needs. The config path
lives in the invocation, not in module state, so two invocations in one process (tests,
an embedding app) do not see each other's options.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from core.config import Config


@dataclass
class CommandContext:
    """How a command gets the validated config and an open store.

    `load_config` reports a bad configuration to the user and exits; `open_engine` opens
    (and migrates) the store named by the config. Both are supplied by the top, which is the
    only floor that may import every stage.
    """

    config_path: Path | None
    load_config: Callable[[Path | None], Config]
    open_engine: Callable[[Config], Engine]

    def config(self) -> Config:
        return self.load_config(self.config_path)

    def store(self) -> tuple[Config, Engine]:
        """The config and an engine opened on it, the pair most commands start with."""
        config = self.config()
        return config, self.open_engine(config)
