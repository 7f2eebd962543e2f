"""The configuration loader: layers, and errors that name the key, the value and what is allowed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from core.config import ConfigError, iter_settings, load_config
from storyloom.cli import app

ROOT = Path(__file__).resolve().parents[1]


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "config.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_defaults_then_file_then_environment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no ./config.toml: the defaults in code
    assert load_config(environ={}).storage.url == "sqlite:///data/storyloom.db"
    p = _write(
        tmp_path, '[storage]\nurl = "sqlite:///from-file.db"\n[crawler]\nmax_redirects = 3\n'
    )
    cfg = load_config(p, environ={})
    assert (cfg.storage.url, cfg.crawler.max_redirects) == ("sqlite:///from-file.db", 3)
    cfg = load_config(p, environ={"STORYLOOM_CRAWLER__MAX_REDIRECTS": "7"})
    assert cfg.crawler.max_redirects == 7


def test_the_shipped_config_is_valid():
    cfg = load_config(ROOT / "config.toml", environ={})
    assert len(cfg.sources) >= 6
    assert "unlabelled" not in cfg.lenses.taxonomy  # the built-in fallback, never listed


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[crawler]\nmax_redirect = 3\n", r"\[crawler\] max_redirect: unknown key \(value 3\)"),
        ("[crawler]\nmax_redirects = 'many'\n", r"\[crawler\] max_redirects = 'many': .*integer"),
        ("[storagee]\nurl = 'x'\n", r"storagee: unknown key"),
        (
            '[[sources]]\nname = "A"\nurl = "ftp://a.test/feed"\n',
            r"\[\[sources\]\] #1: .*'ftp://a.test/feed' must be http:// or https://",
        ),
        (
            '[[sources]]\nname = "A"\nurl = "http://a.test/f"\nkind = "podcast"\n',
            r"\[\[sources\]\] #1 \.kind = 'podcast': Input should be 'feed' or 'url'",
        ),
        (
            '[[sources]]\nname = "A"\nurl = "http://a.test/f"\ndefault_lens = "sports"\n',
            r"default_lens 'sports', allowed: .*technology",
        ),
        ("[storage\nurl = 1\n", r"not valid TOML"),
    ],
)
def test_a_wrong_key_or_value_is_named(tmp_path, text, expected):
    with pytest.raises(ConfigError) as exc:
        load_config(_write(tmp_path, text), environ={})
    assert re.search(expected, str(exc.value)), str(exc.value)


def test_a_bad_environment_value_is_named(tmp_path):
    with pytest.raises(ConfigError, match=r"\[crawler\] max_redirects = 'lots'"):
        load_config(_write(tmp_path, ""), environ={"STORYLOOM_CRAWLER__MAX_REDIRECTS": "lots"})


def test_a_broken_config_stops_the_cli_with_the_key_named(tmp_path):
    p = _write(tmp_path, "[review]\nport = 'eighty'\n")
    result = CliRunner().invoke(app, ["--config", str(p), "stories"])
    assert result.exit_code == 2
    assert "Configuration error" in result.output
    assert "[review] port = 'eighty'" in result.output


def test_every_setting_has_a_help_line():
    missing = [key for key, help_ in iter_settings() if not help_.strip()]
    assert missing == []
