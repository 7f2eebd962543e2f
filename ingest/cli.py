"""Commands of the ingest stage, registered on the `storyloom` app by storyloom/cli.py.

Kept beside the stage so its owner can add commands without touching the shared entry point.
"""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this stage's commands to `app`."""
