"""End-to-end throughput: the 181 real pages of the article-extraction benchmark, extracted,
imported and processed by the stage runner, against spaCy's nlp.pipe alone over the same
texts with the same number of processes, in the same run.

Usage:
  PYTHONPATH=. python bench/bench_e2e.py [--store sqlite|postgresql+psycopg://…]
                                          [--workers K] [--json] [DIR]

With `--workers 1` the stages run in this process (seconds per stage from the runner);
with K > 1 (PostgreSQL only) K worker processes run `storyloom.runner.process` at once, each
loading its models first and starting together, and the stage seconds are summed over them
(the wall time is what articles/s divides). On PostgreSQL the bench works in a fresh schema
it drops after. The box may be shared with other work: compare the ratio, measured in the
same run, more than the absolute rates.
"""

from __future__ import annotations

import argparse
import gzip
import json
import multiprocessing
import os
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.config import Config  # noqa: E402
from ingest.extract import extract_article  # noqa: E402
from ingest.importer import import_jsonl  # noqa: E402
from nlp.pipelines import model_for, pipeline_for  # noqa: E402
from store.db import make_engine, migrate  # noqa: E402

_SHARED = Path(os.environ.get("STORYLOOM_SHARED", ROOT.parent / "shared"))
DEFAULT_DIR = _SHARED / "corpora/article-extraction-benchmark"


def pages(folder: Path, config: Config) -> list[dict[str, Any]]:
    """The benchmark's HTML pages, extracted by the crawler's extractor, as import rows."""
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    rows = []
    for key, gold in sorted(truth.items()):
        html = gzip.decompress((folder / "html" / f"{key}.html.gz").read_bytes())
        url = gold.get("url") or f"https://bench.invalid/{key}"
        ex = extract_article(html, url, settings=config.crawler)
        if not ex.text:
            continue
        rows.append(
            {
                "url": url,
                "title": ex.title or "",
                "text": ex.text,
                "published": "2026-11-20T12:00:00+00:00",
                "source": url.split("/")[2],
                "lang": "en",
            }
        )
    return rows


@contextmanager
def store(kind: str):  # noqa: ANN201 - yields a URL
    """A temporary SQLite file, or a fresh schema on the PostgreSQL server `kind`."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="bench-e2e-") as tmp:
            yield f"sqlite:///{tmp}/bench.db"
        return
    from tests.conftest import fresh_pg_schema  # the tests' own helper: one way to do it

    with fresh_pg_schema(kind) as url:
        yield url


def warm(config: Config, langs: list[str]) -> None:
    """Load every model a worker keeps for its life, so timing starts with work: the
    pipelines of the languages the pages are in (a blank one costs about 0.5 s to build, once
    per worker), and each embedding model with one text encoded (USE builds its tokenizer
    on first use)."""
    from clustering.stage import embedding_models, model_embedder
    from drafts.stage import encoder_for
    from nlp.pipelines import normalise_lang

    for lang in {"en", *langs}:
        try:  # one that cannot load (Japanese without SudachiPy) fails its texts at NLP
            pipeline_for(model_for(normalise_lang(lang, config.nlp), config.nlp), config.nlp)
        except Exception:  # noqa: BLE001, S112
            continue
    for model in embedding_models(config.clustering):  # the main and the cross-lingual one
        model_embedder(config.clustering, model).encode(["warm-up"])
    encoder_for(config)(["warm-up"])


def stored_langs(url: str) -> list[str]:
    from sqlalchemy import select

    from store.schema import articles

    engine = make_engine(url)
    with engine.connect() as conn:
        langs = [r[0] for r in conn.execute(select(articles.c.lang).distinct()) if r[0]]
    engine.dispose()
    return langs


def _worker(url: str, config_json: str, ready: Any, go: Any, out: Any) -> None:
    from storyloom.runner import process, worker_stages

    config = Config.model_validate_json(config_json)
    warm(config, stored_langs(url))
    engine = make_engine(url)
    seconds: dict[str, float] = {}

    def on_result(name: str, _res: Any, s: float) -> None:
        seconds[name] = seconds.get(name, 0.0) + s

    with worker_stages(config) as chosen:
        ready.release()
        go.wait()
        process(engine, config, chosen, on_result=on_result)
    out.put(seconds)
    engine.dispose()


def run_e2e(url: str, config: Config, rows: list[dict], workers: int) -> dict[str, Any]:
    from storyloom.runner import process, worker_stages

    engine = make_engine(url)
    migrate(engine)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pages.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        t0 = time.perf_counter()
        report = import_jsonl(engine, path, config.crawler)
        import_s = time.perf_counter() - t0
    seconds: dict[str, float] = {"import": round(import_s, 2)}
    if workers == 1:
        warm(config, stored_langs(url))

        def on_result(name: str, _res: Any, s: float) -> None:
            seconds[name] = seconds.get(name, 0.0) + s

        with worker_stages(config) as chosen:
            t0 = time.perf_counter()
            process(engine, config, chosen, on_result=on_result)
            wall = time.perf_counter() - t0
    else:
        ctx = multiprocessing.get_context("spawn")  # fresh interpreters: no forked torch
        ready, go, out = ctx.Semaphore(0), ctx.Event(), ctx.Queue()
        procs = [
            ctx.Process(target=_worker, args=(url, config.model_dump_json(), ready, go, out))
            for _ in range(workers)
        ]
        for p in procs:
            p.start()
        for _ in procs:
            ready.acquire()
        t0 = time.perf_counter()
        go.set()
        parts = [out.get() for _ in procs]
        wall = time.perf_counter() - t0
        for p in procs:
            p.join()
        for part in parts:
            for k, v in part.items():
                seconds[k] = seconds.get(k, 0.0) + v
    engine.dispose()
    return {
        "articles": report.created,
        "wall_s": round(wall, 2),
        "articles_per_s": round(report.created / wall, 3),
        "seconds": {k: round(v, 2) for k, v in seconds.items()},
    }


def spacy_alone(config: Config, rows: list[dict]) -> dict[str, Any]:
    """nlp.pipe over the same title + text the NLP stage analyses, same processes."""
    nlp = pipeline_for(model_for("en", config.nlp), config.nlp)
    texts = [f"{r['title']}\n\n{r['text']}" if r["title"] else r["text"] for r in rows]
    n = config.nlp.n_process
    t0 = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=config.nlp.batch_size, n_process=n):
        pass
    s = time.perf_counter() - t0
    return {"seconds": round(s, 2), "articles_per_s": round(len(texts) / s, 3), "processes": n}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--store", default="sqlite", help="sqlite or a PostgreSQL URL")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--n-process", type=int, default=None, help="[nlp] n_process")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    if args.workers > 1 and args.store == "sqlite":
        parser.error("SQLite runs one worker process; give a PostgreSQL URL for --workers > 1")
    config = Config()
    if args.n_process:
        config.nlp.n_process = args.n_process
    config.workers.doctor_at_start = False
    rows = pages(args.dir, config)
    with store(args.store) as url:
        e2e = run_e2e(url, config, rows, args.workers)
    alone = spacy_alone(config, rows)
    out = {
        "store": "sqlite" if args.store == "sqlite" else "postgresql",
        "workers": args.workers,
        "nlp_processes": config.nlp.n_process,
        **e2e,
        "spacy_alone_articles_per_s": alone["articles_per_s"],
        "spacy_alone_seconds": alone["seconds"],
        "ratio_to_spacy_alone": round(e2e["articles_per_s"] / alone["articles_per_s"], 3),
        "loadavg": [round(x, 1) for x in os.getloadavg()],
    }
    if args.json:
        print(json.dumps(out))
        return
    for k, v in out.items():
        print(f"{k:28} {v}")


if __name__ == "__main__":
    main()
