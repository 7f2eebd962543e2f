"""Load and validate the whole configuration once, at start.

Layers, lowest first: defaults in code < config.toml < STORYLOOM_* environment variables.
Nothing downstream reads raw strings: every stage gets typed sections from `Config`.
An environment variable names a key as STORYLOOM_<SECTION>__<KEY> (double underscore),
e.g. STORYLOOM_STORAGE__URL or STORYLOOM_CRAWLER__MAX_BODY_BYTES; values are parsed as TOML
when they can be (numbers, booleans, lists) and taken as strings otherwise.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, model_validator

from core.errors import ConfigError
from core.logs import LogSettings
from core.settings.clustering import ClusteringSettings
from core.settings.crawler import CrawlerSettings
from core.settings.drafts import DraftSettings
from core.settings.lenses import LensSettings
from core.settings.nlp import NlpSettings
from core.settings.review import ReviewSettings
from core.settings.storage import StorageSettings, WorkerSettings
from core.settings_base import Section

ENV_PREFIX = "STORYLOOM_"
DEFAULT_PATH = Path("config.toml")


class SourceSettings(Section):
    name: str = Field(..., min_length=1, description="Outlet name shown to editors.")
    kind: Literal["feed", "url"] = Field("feed", description="A feed to poll or a single page.")
    url: str = Field(..., description="Feed URL (kind=feed) or page URL (kind=url).")
    site_url: str | None = Field(None, description="The outlet's home page, if known.")
    country: str | None = Field(None, description="ISO country code of the outlet (region).")
    language: str | None = Field(None, description="Declared language, a tie-breaker only.")
    default_lens: str | None = Field(None, description="Lens used when no model is confident.")

    @model_validator(mode="after")
    def _http_only(self) -> SourceSettings:
        if not self.url.startswith(("http://", "https://")):
            raise ValueError(f"url {self.url!r} must be http:// or https://")
        return self


class Config(Section):
    storage: StorageSettings = Field(default_factory=StorageSettings)
    sources: list[SourceSettings] = Field(default_factory=list)
    crawler: CrawlerSettings = Field(default_factory=CrawlerSettings)
    nlp: NlpSettings = Field(default_factory=NlpSettings)
    clustering: ClusteringSettings = Field(default_factory=ClusteringSettings)
    drafts: DraftSettings = Field(default_factory=DraftSettings)
    lenses: LensSettings = Field(default_factory=LensSettings)
    review: ReviewSettings = Field(default_factory=ReviewSettings)
    logging: LogSettings = Field(default_factory=LogSettings)
    workers: WorkerSettings = Field(default_factory=WorkerSettings)

    @model_validator(mode="after")
    def _cross_checks(self) -> Config:
        names = [s.name for s in self.sources]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"source names must be unique; repeated: {', '.join(dupes)}")
        for s in self.sources:
            if s.default_lens and s.default_lens not in self.lenses.taxonomy:
                raise ValueError(
                    f"source {s.name!r} has default_lens {s.default_lens!r}, "
                    f"allowed: {', '.join(self.lenses.taxonomy)}"
                )
        return self


def _env_overrides(environ: dict[str, str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX) or "__" not in name:
            continue
        section, _, key = name[len(ENV_PREFIX) :].partition("__")
        try:
            value = tomllib.loads(f"v = {raw}")["v"]
        except tomllib.TOMLDecodeError:
            value = raw
        out.setdefault(section.lower(), {})[key.lower()] = value
    return out


def _describe(err: dict[str, Any], source: str) -> str:
    loc = [str(p) for p in err["loc"]]
    if loc and loc[0] == "sources" and len(loc) > 1:
        key = f"[[sources]] #{int(loc[1]) + 1}" + (f" .{'.'.join(loc[2:])}" if loc[2:] else "")
    elif len(loc) >= 2:
        key = f"[{loc[0]}] {'.'.join(loc[1:])}"
    elif loc:
        key = loc[0]
    else:
        key = "(top level)"
    if err["type"] == "extra_forbidden":
        return f"{source}: {key}: unknown key (value {err['input']!r}); check the spelling"
    msg = err["msg"].removeprefix("Value error, ")
    if isinstance(err.get("input"), dict):  # a check across keys: the message names them
        return f"{source}: {key}: {msg}"
    return f"{source}: {key} = {err.get('input')!r}: {msg}"


def load_config(path: str | Path | None = None, environ: dict[str, str] | None = None) -> Config:
    """Read config.toml (if present) plus environment overrides into a validated Config.

    An explicit path that does not exist is an error; the default path may be absent.
    """
    environ = dict(os.environ if environ is None else environ)
    explicit = path is not None or "STORYLOOM_CONFIG" in environ
    p = Path(path if path is not None else environ.get("STORYLOOM_CONFIG", DEFAULT_PATH))
    data: dict[str, Any] = {}
    if p.exists():
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(f"{p}: not valid TOML: {e}") from e
    elif explicit:
        raise ConfigError(f"{p}: no such configuration file")
    for section, values in _env_overrides(environ).items():
        if section == "sources":
            raise ConfigError("sources cannot be set from the environment; use config.toml")
        current = data.setdefault(section, {})
        if not isinstance(current, dict):
            raise ConfigError(f"{p}: [{section}] must be a table")
        current.update(values)
    try:
        return Config.model_validate(data)
    except ValidationError as e:
        lines = [_describe(err, str(p)) for err in e.errors()]
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(lines)) from None


def iter_settings(model: type[Section] = Config, prefix: str = "") -> list[tuple[str, str]]:
    """Every setting with its help line, for the docs test and `storyloom config`."""
    out: list[tuple[str, str]] = []
    for name, field in model.model_fields.items():
        ann = field.annotation
        key = f"{prefix}{name}"
        if isinstance(ann, type) and issubclass(ann, Section):
            out.extend(iter_settings(ann, prefix=f"{key}."))
        elif name == "sources" and model is Config:
            out.extend(iter_settings(SourceSettings, prefix="sources."))
        else:
            out.append((key, field.description or ""))
    return out
