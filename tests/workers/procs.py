"""Real storyloom processes for the multi-worker tests: config, UCI headlines as JSONL,
starting and stopping `python -m storyloom ...`, and reading what the store ended with."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, func, select

from store.schema import articles, draft_versions, stories, story_members

ROOT = Path(__file__).resolve().parents[2]
UCI = Path("data") / "uci-news-dev.csv"


def uci_jsonl(shared: Path, out: Path, n: int) -> int:
    """The first `n` UCI development headlines as importable JSONL (the title is the text:
    UCI has headlines only). Returns how many lines were written."""
    with (shared / UCI).open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))[:n]
    with out.open("w", encoding="utf-8") as f:
        for r in rows:
            published = datetime.fromtimestamp(int(r["TIMESTAMP"]) / 1000, UTC)
            f.write(
                json.dumps(
                    {
                        "url": r["URL"],
                        "title": r["TITLE"],
                        "text": r["TITLE"],
                        "published": published.isoformat(),
                        "source": r["PUBLISHER"],
                        "lang": "en",
                    }
                )
                + "\n"
            )
    return len(rows)


def write_config(
    path: Path,
    url: str,
    *,
    workers: str = "",
    nlp: str = "",
    clustering: str = "",
    sources: str = "",
) -> Path:
    """A config for a test store: one NLP process, quick idle wake-ups; `workers`, `nlp` and
    `clustering` add lines to those tables, `sources` is a [[sources]] block."""
    path.write_text(
        f'[storage]\nurl = "{url}"\n\n'
        f"[nlp]\nn_process = 1\n{nlp}\n"
        f"[clustering]\n{clustering}\n"
        '[crawler]\nallow_hosts = ["127.0.0.1"]\nthrottle_start_delay_s = 0.0\n\n'
        f"[workers]\nidle_wait_s = 1.0\n{workers}\n" + sources,
        encoding="utf-8",
    )
    return path


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false", PYTHONUNBUFFERED="1")
    env.pop("STORYLOOM_CONFIG", None)
    return env


def run(config: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """`storyloom --config CONFIG ARGS...` to the end."""
    return subprocess.run(
        [sys.executable, "-m", "storyloom", "--config", str(config), *args],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def start(config: Path, log: Path, *args: str) -> subprocess.Popen:
    """`storyloom --config CONFIG ARGS...` in the background, its output in `log`."""
    out = log.open("w", encoding="utf-8")
    return subprocess.Popen(
        [sys.executable, "-m", "storyloom", "--config", str(config), *args],
        cwd=ROOT,
        env=_env(),
        stdout=out,
        stderr=subprocess.STDOUT,
    )


def stop(proc: subprocess.Popen, timeout: float = 60) -> int:
    """SIGTERM, then wait: a worker finishes its stage and exits 0."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout=timeout)


def kill(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)


def wait_for(cond: Callable[[], bool], timeout: float, what: str, step: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(step)


def count(engine: Engine, q) -> int:  # noqa: ANN001 - a select of one number
    with engine.connect() as conn:
        return int(conn.execute(q).scalar() or 0)


def pending(engine: Engine, stage: str) -> int:
    return count(
        engine,
        select(func.count()).where(
            articles.c[f"{stage}_status"] == "pending", articles.c.fetch_status == "done"
        ),
    )


def partition(engine: Engine) -> dict[str, int]:
    """Canonical URL -> story id: what the clustering decided."""
    q = select(articles.c.canonical_url, story_members.c.story_id).select_from(
        articles.join(story_members, story_members.c.article_id == articles.c.id)
    )
    with engine.connect() as conn:
        return {u: s for u, s in conn.execute(q)}


def bcubed_f1(a: dict[str, int], b: dict[str, int]) -> float:
    """BCubed F1 of partition `a` against `b` over their common items."""
    items = sorted(set(a) & set(b))
    by_a: dict[int, set[str]] = {}
    by_b: dict[int, set[str]] = {}
    for i in items:
        by_a.setdefault(a[i], set()).add(i)
        by_b.setdefault(b[i], set()).add(i)
    p = r = 0.0
    for i in items:
        ca, cb = by_a[a[i]], by_b[b[i]]
        both = len(ca & cb)
        p += both / len(ca)
        r += both / len(cb)
    p, r = p / len(items), r / len(items)
    return 2 * p * r / (p + r)


def consistency(engine: Engine) -> dict[str, list]:
    """What must never happen with any number of writers: members in merged stories, two
    draft versions with the same content in a row, a draft written after its story merged."""
    with engine.connect() as conn:
        in_merged = conn.execute(
            select(story_members.c.article_id)
            .select_from(story_members.join(stories, stories.c.id == story_members.c.story_id))
            .where(stories.c.status == "merged")
        ).all()
        versions = conn.execute(
            select(
                draft_versions.c.story_id, draft_versions.c.version, draft_versions.c.data
            ).order_by(draft_versions.c.story_id, draft_versions.c.version)
        ).all()
    repeats = []
    last: dict[int, str] = {}
    for sid, version, data in versions:
        content = json.dumps(
            {k: v for k, v in data.items() if k not in ("version",)}, sort_keys=True, default=str
        )
        if last.get(sid) == content:
            repeats.append((sid, version))
        last[sid] = content
    return {"members_of_merged": [r[0] for r in in_merged], "repeated_drafts": repeats}
