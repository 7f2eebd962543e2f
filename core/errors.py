"""Every error storyloom means to show a person, with a stable code and what to do about it.

One hierarchy, as spaCy's `errors.py` and httpx's exceptions: a caller catches the kind it
can handle (`NotFound`, `InvalidInput`, …) without knowing which stage raised it, logs and
docs can cite the code, and the mapping to an HTTP status and a CLI exit code is written
once, here (`http_status`, `exit_code`). Anything that is not a `StoryloomError` is a bug:
a 500 in the logs with its traceback, never a 400 shown to an editor as if it were theirs.
"""

from __future__ import annotations

from http import HTTPStatus

# CLI exit codes, the convention of most Unix tools: 1 = the command failed, 2 = it was
# called wrongly (bad arguments, bad configuration) and will fail again until that is fixed.
EXIT_FAILED = 1
EXIT_USAGE = 2


class StoryloomError(Exception):
    """Base of every expected failure. `code` is stable across versions; cite it in issues.

    The message says what went wrong and, where possible, what to do: name the key, the value,
    the command to run.
    """

    code = "SL000"
    status = HTTPStatus.INTERNAL_SERVER_ERROR
    exit = EXIT_FAILED

    def __str__(self) -> str:
        return super().__str__() or self.__class__.__doc__ or self.code


class ConfigError(StoryloomError):
    """A configuration that cannot be used; the message names key, value and what is allowed."""

    code = "SL001"
    exit = EXIT_USAGE


class InvalidInput(StoryloomError, ValueError):
    """A request or argument that cannot be carried out as given (the caller can fix it)."""

    code = "SL002"
    status = HTTPStatus.BAD_REQUEST
    exit = EXIT_USAGE


class NotFound(StoryloomError, LookupError):
    """The named thing (story, article, source, model version, user) does not exist."""

    code = "SL003"
    status = HTTPStatus.NOT_FOUND


class Conflict(StoryloomError):
    """The request is valid but clashes with the current state (e.g. a retrain already runs)."""

    code = "SL004"
    status = HTTPStatus.CONFLICT


class NotReady(StoryloomError):
    """Something a command needs is not there yet or not installed (a model, a schema)."""

    code = "SL005"
    status = HTTPStatus.SERVICE_UNAVAILABLE


def http_status(exc: BaseException) -> int:
    """The HTTP status for an error; a non-storyloom exception is a bug, hence 500."""
    return int(exc.status) if isinstance(exc, StoryloomError) else 500


def exit_code(exc: BaseException) -> int:
    """The process exit code for an error raised by a command."""
    return exc.exit if isinstance(exc, StoryloomError) else EXIT_FAILED


def describe(exc: StoryloomError) -> str:
    """One line for a person: '[SL003] no story 'x' (give an id or a slug)'."""
    return f"[{exc.code}] {exc}"
