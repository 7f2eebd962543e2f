"""One error hierarchy (core/errors.py), mapped once to HTTP statuses and CLI exit codes."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from fastapi import HTTPException
from typer.testing import CliRunner

from core.errors import (
    ConfigError,
    Conflict,
    InvalidInput,
    NotFound,
    NotReady,
    StoryloomError,
    exit_code,
    http_status,
)
from review.views import service
from storyloom.cli import app

PACKAGES = ["core", "store", "ingest", "nlp", "clustering", "models", "drafts", "review"]


def _all_errors() -> list[type[StoryloomError]]:
    for pkg in PACKAGES:
        mod = importlib.import_module(pkg)
        for info in pkgutil.walk_packages(mod.__path__, f"{pkg}."):
            if ".migrations" not in info.name and not info.name.endswith("sample_server"):
                importlib.import_module(info.name)
    out, todo = [], [StoryloomError]
    while todo:
        cls = todo.pop()
        out.append(cls)
        todo.extend(cls.__subclasses__())
    return out


def test_codes_are_unique_and_each_kind_maps_once() -> None:
    errors = _all_errors()
    own = [c.__dict__["code"] for c in errors if "code" in c.__dict__]
    assert len(own) == len(set(own)), sorted(own)
    assert all(c.code.startswith("SL") for c in errors)
    table = {
        NotFound: (404, 1),
        InvalidInput: (400, 2),
        Conflict: (409, 1),
        NotReady: (503, 1),
        ConfigError: (500, 2),
        StoryloomError: (500, 1),
    }
    for cls, (status, code) in table.items():
        assert (http_status(cls("x")), exit_code(cls("x"))) == (status, code), cls
    bug = ValueError("a bug")
    assert (http_status(bug), exit_code(bug)) == (500, 1)


def test_stage_errors_are_storyloom_errors_of_the_right_kind() -> None:
    from clustering.embed import ModelNotFoundError
    from clustering.evaluate import LabelledFileError
    from drafts.edits import EditError
    from models.errors import ArtifactError, LensError
    from store.users import UserError

    for cls in (EditError, LensError, LabelledFileError, UserError):
        assert issubclass(cls, InvalidInput) and issubclass(cls, ValueError)
    assert issubclass(ModelNotFoundError, NotReady)
    assert issubclass(ArtifactError, StoryloomError)


def test_service_maps_expected_errors_and_lets_bugs_through() -> None:
    def missing() -> None:
        raise NotFound("no story with id 9")

    def bug() -> None:
        raise ValueError("int() of a bad row")

    with pytest.raises(HTTPException) as e:
        service(missing)
    assert e.value.status_code == 404 and "no story with id 9" in e.value.detail
    with pytest.raises(ValueError):  # a 500 with its traceback, not a 400
        service(bug)


def test_the_cli_reports_storyloom_errors_one_way(tmp_path) -> None:  # noqa: ANN001
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[storage]\nurl = "sqlite:///{tmp_path / "s.db"}"\n')
    runner = CliRunner()
    assert runner.invoke(app, ["--config", str(cfg), "init"]).exit_code == 0  # init migrates
    add = ["--config", str(cfg), "source", "add", "Desk", "https://desk.example/feed"]
    assert runner.invoke(app, add).exit_code == 0
    again = runner.invoke(app, add)
    assert again.exit_code == 1
    assert "[SL004] a source named 'Desk' already exists" in again.output
