"""`storyloom user add|remove|passwd`: manage editor accounts from the shell.

Registered on the `storyloom` app by storyloom/cli.py; the config comes from `ctx.obj`
(core.context.CommandContext), never by importing the entry point back.
"""

from __future__ import annotations

import dataclasses
import getpass
import logging
import sys
from pathlib import Path

import typer
from sqlalchemy import Engine

from store.db import open_store
from store.users import ROLES, UserError, add_user, remove_user, set_password

logger = logging.getLogger(__name__)

user_app = typer.Typer(help="Manage editor accounts.", no_args_is_help=True)


@user_app.callback()
def _options(
    ctx: typer.Context,
    config: Path | None = typer.Option(None, "--config", help="config.toml to read."),
) -> None:
    if config is not None:  # `storyloom user --config X …` wins over `storyloom --config`
        ctx.obj = dataclasses.replace(ctx.obj, config_path=config)


def _engine(ctx: typer.Context) -> Engine:
    cfg = ctx.obj.config()
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
    ctx: typer.Context,
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
    _run(add_user, _engine(ctx), username, password, role)
    typer.echo(f"added {username} ({role})")


@user_app.command("remove")
def remove(ctx: typer.Context, username: str) -> None:
    """Delete an account (deactivated instead when history refers to it)."""
    _run(remove_user, _engine(ctx), username)
    typer.echo(f"removed {username}")


@user_app.command("passwd")
def passwd(
    ctx: typer.Context,
    username: str,
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from the first line of stdin."
    ),
) -> None:
    """Set a new password."""
    password = _read_password(password_stdin)
    _run(set_password, _engine(ctx), username, password)
    typer.echo(f"password changed for {username}")


def register(app: typer.Typer) -> None:
    """Add this stage's commands to `app`."""
    app.add_typer(user_app, name="user")
