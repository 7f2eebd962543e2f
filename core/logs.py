"""Logging: readable lines for people, one JSON object per line for a log shipper.

`[logging] format = "json"` (or STORYLOOM_LOGGING__FORMAT=json, or `--log-json`) makes every
line, uvicorn's and the progress helper's included, a JSON object with ts, level, logger,
msg and the record's extra fields, so Loki/Vector/Filebeat need no parsing rules.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Literal

from pydantic import Field

from core.settings_base import Section


class LogSettings(Section):
    format: Literal["text", "json"] = Field(
        "text", description="text: readable lines; json: one JSON object per line (shippers)."
    )
    level: Literal["debug", "info", "warning", "error"] | None = Field(
        None, description="Log level; unset means the --log-level option (default info)."
    )


_RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        out.update({k: v for k, v in vars(record).items() if k not in _RESERVED})
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        # a lone surrogate in a message must not cost the line: JSON escapes it
        return json.dumps(out, default=str, ensure_ascii=True)


class KeyValueFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        extra = " ".join(f"{k}={v}" for k, v in vars(record).items() if k not in _RESERVED)
        stamp = self.formatTime(record, "%H:%M:%S")
        base = f"{stamp} {record.levelname:<7} {record.name}: {record.getMessage()}"
        return f"{base} {extra}".rstrip()


class StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is now, not the stream that was current at setup.

    A command run in-process (typer's CliRunner, an embedding app) swaps sys.stderr and
    closes its copy afterwards; a handler bound to that copy would fail on every later line.
    """

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self):  # noqa: ANN201 - a text stream
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:  # noqa: ANN001 - StreamHandler assigns it in __init__
        pass


def setup_logging(level: str = "info", *, json_lines: bool = False) -> None:
    handler = StderrHandler()
    handler.setFormatter(JsonFormatter() if json_lines else KeyValueFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("httpx", "httpcore", "sentence_transformers", "urllib3", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def apply_settings(settings: LogSettings, *, cli_level: str, cli_json: bool) -> None:
    """Re-apply logging once the configuration is loaded: the CLI flag or the setting."""
    json_lines = cli_json or settings.format == "json"
    setup_logging(settings.level or cli_level, json_lines=json_lines)
