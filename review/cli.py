"""`storyloom user add|remove|passwd`: manage editor accounts from the shell."""

from __future__ import annotations

import getpass
import logging
import sys
from pathlib import Path

import typer
from sqlalchemy import Engine

from store.db import open_store
from store.users import ROLES, UserError, add_user, remove_user, set_password
from storyloom.config import ConfigError, load_config

logger = logging.getLogger(__name__)

user_app = typer.Typer(help="Manage editor accounts.", no_args_is_help=True)
_state: dict[str, Path | None] = {"config": None}


@user_app.callback()
def _options(
    config: Path | None = typer.Option(None, "--config", help="config.toml to read."),
) -> None:
    _state["config"] = config


def _engine() -> Engine:
    try:
        cfg = load_config(_state["config"])
    except ConfigError as e:
        typer.echo(str(e), err=True)
        raise typer.Exit(2) from None
    return open_store(cfg.storage.url, cfg.storage.busy_timeout_ms)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat: ") != first:
        typer.echo("passwords differ", err=True)
        raise typer.Exit(2)
    return first


def _run(fn, *args) -> None:  # noqa: ANN001
    try:
        fn(*args)
    except UserError as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(1) from None


@user_app.command("add")
def add(
    username: str,
    role: str = typer.Option("editor", "--role", help=f"One of: {', '.join(ROLES)}."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from the first line of stdin."
    ),
) -> None:
    """Create an account."""
    if role not in ROLES:
        typer.echo(f"error: role {role!r} must be one of {', '.join(ROLES)}", err=True)
        raise typer.Exit(2)
    password = _read_password(password_stdin)
    _run(add_user, _engine(), username, password, role)
    typer.echo(f"added {username} ({role})")


@user_app.command("remove")
def remove(username: str) -> None:
    """Delete an account (deactivated instead when history refers to it)."""
    _run(remove_user, _engine(), username)
    typer.echo(f"removed {username}")


@user_app.command("passwd")
def passwd(
    username: str,
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from the first line of stdin."
    ),
) -> None:
    """Set a new password."""
    password = _read_password(password_stdin)
    _run(set_password, _engine(), username, password)
    typer.echo(f"password changed for {username}")
