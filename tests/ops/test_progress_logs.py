"""Progress with rate and ETA: a rich bar on a real terminal (a pty), log lines elsewhere,
JSON lines when `[logging] format = "json"`; one helper for every long command."""

from __future__ import annotations

import json
import logging
import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

from core.progress import progress_bars, watch
from store.db import open_store

ROOT = Path(__file__).resolve().parents[2]
TEXT = "Port workers in Rotterdam began a strike on Monday over pay and conditions. " * 3


def _jsonl(tmp_path: Path, n: int) -> Path:
    p = tmp_path / "in.jsonl"
    lines = [json.dumps({"url": f"https://n.example/{i}", "text": f"{TEXT} {i}"}) for i in range(n)]
    lines.append('{"url": "https://n.example/bad", "text": "x\\u0000y", "title": ["a"]}')
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def _config(tmp_path: Path, extra: str = "") -> Path:
    """A config over a migrated store (`storyloom init`'s job: other commands only check)."""
    url = f"sqlite:///{tmp_path / 's.db'}"
    open_store(url).dispose()
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[storage]\nurl = "{url}"\n{extra}', encoding="utf-8")
    return cfg


def _env() -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith("STORYLOOM_")}
    return {**keep, "HF_HUB_OFFLINE": "1", "COLUMNS": "160"}


def test_log_mode_reports_rate_and_eta_and_the_end(caplog) -> None:
    caplog.set_level(logging.INFO, logger="core.progress")
    with progress_bars(log_every_s=0.0) as bars:  # pytest's stderr is no terminal
        assert bars.mode == "log"
        t = bars.add_task("importing", total=10, unit="lines")
        for _ in range(10):
            time.sleep(0.002)
            bars.advance(t)
    lines = [r.getMessage() for r in caplog.records]
    assert any("importing: 5/10 lines (50%)" in m and "lines/s, ETA " in m for m in lines)
    assert lines[-1].startswith("importing: 10/10 lines (100%)") and "finished in" in lines[-1]


def test_watch_counts_a_stage_down_from_the_store(caplog) -> None:
    caplog.set_level(logging.INFO, logger="core.progress")
    left = [6]
    with progress_bars(log_every_s=0.0) as bars, watch(bars, "nlp", 6, lambda: left[0]):
        for _ in range(6):
            left[0] -= 1
            time.sleep(0.6)  # the poller runs every 0.5 s
    msgs = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("nlp: ") and "(100%)" not in m for m in msgs)  # seen mid-way
    assert msgs[-1].startswith("nlp: 6/6 rows (100%)")


def test_import_on_a_terminal_draws_a_rich_bar(tmp_path) -> None:
    """A real pseudo-terminal: rich draws the bar, the rate and the time columns."""
    path, cfg = _jsonl(tmp_path, 200), _config(tmp_path)
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "storyloom", "--config", str(cfg), "import", str(path)],
        cwd=ROOT,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=_env(),
    )
    os.close(slave)
    out = b""
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the child closed the pty
            break
        if not chunk:
            break
        out += chunk
    proc.wait(timeout=60)
    os.close(master)
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out.decode("utf-8", "replace"))  # no colours
    assert proc.returncode == 0, text
    assert "importing" in text and "━" in text  # rich's bar
    assert "/s" in text and "0:00:" in text  # rate, then ETA/elapsed columns
    assert "imported 200 new" in text


def test_json_logs_on_the_setting(tmp_path) -> None:
    path = _jsonl(tmp_path, 3)
    cfg = _config(tmp_path, '[logging]\nformat = "json"\n')
    res = subprocess.run(
        [sys.executable, "-m", "storyloom", "--config", str(cfg), "import", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=_env(),
        timeout=120,
    )
    assert res.returncode == 0, res.stderr
    records = [json.loads(ln) for ln in res.stderr.splitlines() if ln.startswith("{")]
    by_msg = {r["msg"]: r for r in records}
    done = by_msg["import finished"]
    assert done["logger"] == "ingest.importer" and done["level"] == "info"
    assert done["n_created"] == 3 and done["bad"] == 1 and "ts" in done
    progress = [r for r in records if r["logger"] == "core.progress"]
    assert progress and progress[-1]["task"] == "importing" and "finished in" in progress[-1]["msg"]
    # the rest of stderr is the command's own report (bad lines), not log records
    others = [ln for ln in res.stderr.splitlines() if ln and not ln.startswith("{")]
    assert all(f"{path}:4:" in ln for ln in others), others
