"""Review UI latency: 20 concurrent editors on 127.0.0.1 against a store of 50,000 articles.

Usage: python bench/bench_review.py [--articles N] [--editors K] [--seconds S] [--quick]

Builds a fresh SQLite store with bulk inserts (sources, articles, stories of a few outlets
each, lens predictions and labels), starts `storyloom serve` on it in its own process, logs
every editor in through the form, visits each benchmarked story once so its draft exists
(drafting is the pipeline's job, not the page's) and each queue view once, then lets the
editors click for S seconds: the queue (filters and sorts vary) and a story page, alternately,
reading for about --think seconds between clicks (0: as fast as the server answers).
That 0 setting is a saturation test.
Prints p50/p95/max latency per page and the throughput; the issue's target is p95 < 200 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import insert

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from store.db import make_engine, migrate  # noqa: E402
from store.schema import (  # noqa: E402
    articles,
    labels,
    lens_predictions,
    sources,
    stories,
    story_members,
)
from store.users import add_user  # noqa: E402

T0 = datetime(2026, 1, 1, tzinfo=UTC)
PASSWORD = "bench-password-1"
LENSES = ["geopolitics / strategy", "industry / business", "policy / regulation", "markets"]
COUNTRIES = ["GB", "US", "DE", "FR", "JP", "IN", "BR", "KE", "AU", "CA"]
WORDS = [
    "port",
    "union",
    "strike",
    "pay",
    "minister",
    "talks",
    "copper",
    "export",
    "quota",
    "plant",
    "energy",
    "grid",
    "market",
    "shares",
    "court",
    "ruling",
    "election",
    "budget",
    "tariff",
    "shipping",
    "delay",
    "rates",
    "bank",
    "inflation",
]
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
QUEUE_VARIANTS = [
    "/",
    "/?sort=sources",
    "/?sort=regions",
    "/?status=open",
    "/?lens=markets",
    "/?region=DE",
    "/?lang=en&sort=sources",
    "/?page=3",
]


def sentence(rng: random.Random, n: int = 14) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def fill_store(url: str, n_articles: int, per_story: int, seed: int = 7) -> list[int]:
    """Bulk-insert a realistic store; returns story ids with several outlets (the desk's work)."""
    rng = random.Random(seed)
    engine = make_engine(url)
    migrate(engine)
    now = datetime.now(UTC)
    n_sources = 60
    with engine.begin() as c:
        c.execute(
            insert(sources),
            [
                {
                    "id": i + 1,
                    "name": f"Outlet {i + 1}",
                    "kind": "feed",
                    "url": f"https://outlet{i + 1}.example/feed",
                    "country": COUNTRIES[i % len(COUNTRIES)],
                    "language": "en",
                    "default_lens": LENSES[i % len(LENSES)] if i % 3 else None,
                    "origin": "config",
                    "paused": False,
                    "disabled": False,
                    "error_count": 0,
                    "created_at": T0,
                }
                for i in range(n_sources)
            ],
        )
        n_stories = n_articles // per_story
        c.execute(
            insert(stories),
            [
                {
                    "id": s + 1,
                    "slug": f"story-{s + 1}",
                    "title": sentence(rng, 8),
                    "status": "approved" if s % 7 == 0 else "open",
                    "n_articles": per_story,
                    "n_sources": per_story,
                    "first_seen_at": T0 + timedelta(minutes=s * 5),
                    "last_article_at": T0 + timedelta(minutes=s * 5 + per_story * 3),
                    "dirty": False,
                    "created_at": now,
                    "updated_at": now,
                }
                for s in range(n_stories)
            ],
        )
        batch = 5000
        for start in range(0, n_articles, batch):
            rows, members, preds, labs = [], [], [], []
            for a in range(start, min(start + batch, n_articles)):
                sid = a // per_story + 1
                src = (a * 7 + sid) % n_sources + 1
                published = T0 + timedelta(minutes=(sid - 1) * 5 + (a % per_story) * 3)
                rows.append(
                    {
                        "id": a + 1,
                        "canonical_url": f"https://outlet{src}.example/a/{a + 1}",
                        "url": f"https://outlet{src}.example/a/{a + 1}",
                        "source_id": src,
                        "title": sentence(rng, 9),
                        "text": " ".join(sentence(rng) for _ in range(6)),
                        "published_at": published,
                        "region": COUNTRIES[src % len(COUNTRIES)],
                        "lang": "en",
                        "extraction": "page",
                        "fetch_status": "done",
                        "nlp_status": "done",
                        "embed_status": "done",
                        "cluster_status": "done",
                        "attempts": 0,
                        "created_at": published,
                        "updated_at": published,
                    }
                )
                members.append(
                    {
                        "article_id": a + 1,
                        "story_id": sid,
                        "assigned_by": "algorithm",
                        "score": 0.8,
                        "assigned_at": published,
                    }
                )
                if a % 2:
                    preds.append(
                        {
                            "article_id": a + 1,
                            "model_version": "v1",
                            "lens": rng.choice(LENSES),
                            "confidence": rng.random(),
                            "created_at": now,
                        }
                    )
                if a % 25 == 0:
                    labs.append(
                        {
                            "kind": "lens",
                            "article_id": a + 1,
                            "value": rng.choice(LENSES),
                            "created_at": now,
                        }
                    )
            c.execute(insert(articles), rows)
            c.execute(insert(story_members), members)
            if preds:
                c.execute(insert(lens_predictions), preds)
            if labs:
                c.execute(insert(labels), labs)
    return engine, list(range(1, n_stories + 1))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(workdir: Path, db_url: str, port: int) -> subprocess.Popen:
    cfg = workdir / "config.toml"
    cfg.write_text(
        f'[storage]\nurl = "{db_url}"\n\n[review]\nhost = "127.0.0.1"\nport = {port}\n'
        f'secret_key = "bench"\nlogin_attempts_per_minute = 1000\n',
        encoding="utf-8",
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "storyloom", "--config", str(cfg), "serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(workdir / "server.log", "w"),  # noqa: SIM115 - kept open for the child
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).text == "ok":
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit(f"server did not start; see {workdir / 'server.log'}")


def login(base: str, username: str) -> httpx.Client:
    c = httpx.Client(base_url=base, timeout=60)
    token = CSRF_RE.search(c.get("/login").text).group(1)
    r = c.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    if r.status_code != 303:
        raise SystemExit(f"login of {username} failed: {r.status_code}")
    return c


def percentile(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--articles", type=int, default=50_000)
    ap.add_argument("--per-story", type=int, default=5, help="articles (outlets) per story")
    ap.add_argument("--editors", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--stories", type=int, default=40, help="distinct story pages visited")
    ap.add_argument(
        "--think",
        type=float,
        default=1.0,
        help="mean seconds an editor reads before the next click (uniform 0.5x-1.5x); "
        "0 = click as fast as the server answers (saturation)",
    )
    ap.add_argument("--quick", action="store_true", help="5,000 articles, 10 s, 10 stories")
    args = ap.parse_args()
    if args.quick:
        args.articles, args.seconds, args.stories = 5_000, 10.0, 10

    work = Path(tempfile.mkdtemp(prefix="bench-review-"))
    db_url = f"sqlite:///{work / 'storyloom.db'}"
    t = time.perf_counter()
    engine, story_ids = fill_store(db_url, args.articles, args.per_story)
    for i in range(args.editors):
        add_user(engine, f"editor{i}", PASSWORD, "editor")
    engine.dispose()
    took = time.perf_counter() - t
    print(f"store: {args.articles} articles, {len(story_ids)} stories in {took:.1f}s")

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(work, db_url, port)
    try:
        clients = [login(base, f"editor{i}") for i in range(args.editors)]
        visited = random.Random(1).sample(story_ids[-2000:], args.stories)
        t = time.perf_counter()
        for sid in visited:  # drafts exist before the clock starts, as after a pipeline run
            clients[0].get(f"/stories/{sid}").raise_for_status()
        for path in QUEUE_VARIANTS:  # as on a server that has been up a while
            clients[0].get(path).raise_for_status()
        print(
            f"warm-up: {len(visited)} drafts built by the server in {time.perf_counter() - t:.1f}s"
        )

        times: dict[str, list[float]] = {"queue": [], "story": []}
        errors: list[str] = []
        lock = threading.Lock()
        stop = time.monotonic() + args.seconds

        def editor(i: int) -> None:
            rng = random.Random(100 + i)
            c = clients[i]
            while time.monotonic() < stop:
                for kind, path in (
                    ("queue", rng.choice(QUEUE_VARIANTS)),
                    ("story", f"/stories/{rng.choice(visited)}"),
                ):
                    if args.think > 0:
                        time.sleep(args.think * rng.uniform(0.5, 1.5))
                    t0 = time.perf_counter()
                    r = c.get(path)
                    dt = time.perf_counter() - t0
                    with lock:
                        if r.status_code != 200:
                            errors.append(f"{path}: {r.status_code}")
                        times[kind].append(dt)

        threads = [threading.Thread(target=editor, args=(i,)) for i in range(args.editors)]
        t = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        wall = time.perf_counter() - t
    finally:
        server.terminate()
        server.wait(timeout=30)

    print(
        f"{args.editors} editors, think {args.think:.1f}s, for {wall:.1f}s on {base} "
        f"({os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f})"
    )
    for kind, xs in times.items():
        ms = [x * 1000 for x in xs]
        print(
            f"{kind:6s} n={len(ms):5d}  p50={statistics.median(ms):7.1f} ms  "
            f"p95={percentile(ms, 95):7.1f} ms  max={max(ms):7.1f} ms"
        )
    total = sum(len(x) for x in times.values())
    print(f"throughput: {total / wall:.1f} pages/s; errors: {len(errors)} {errors[:5]}")
    p95 = max(percentile(xs, 95) for xs in times.values()) * 1000
    print(f"target p95 < 200 ms: {'met' if p95 < 200 else 'NOT met'} (worst p95 {p95:.1f} ms)")


if __name__ == "__main__":
    main()
