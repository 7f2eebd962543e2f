"""NLP speed over the article-extraction-benchmark gold texts: words/s with 1 and 2 processes.

Usage: PYTHONPATH=. python bench/bench_nlp.py [DIR] [--quick] [--repeat K]

Times the full analysis (spaCy + entities, figures, quotes) as the stage runs it, and spaCy's
nlp.pipe alone for comparison, after the pipeline is loaded (the daemon loads it once).
Words are whitespace-separated tokens of the gold texts (spaCy's own "words/s" counts its
tokens, punctuation included; the ratio is printed). The box is shared: the load average
is printed with each figure, and the per-process rate is total words/s over processes.
Reference: spaCy's published CPU speed — en_core_web_sm's meta.json "performance.speed"
(words/s, measured by Explosion on their hardware) and, from spaCy's Facts & Figures page
(https://spacy.io/usage/facts-figures, "Pipeline speed" table, CPU), en_core_web_lg at
10,014 words/s.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import time
from pathlib import Path

from core.settings.nlp import NlpSettings
from nlp.analyse import analyse_texts
from nlp.pipelines import model_for, pipeline_for

_SHARED = Path(os.environ.get("STORYLOOM_SHARED", Path(__file__).resolve().parents[2] / "shared"))
DEFAULT_DIR = _SHARED / "corpora/article-extraction-benchmark"
FACTS_FIGURES_LG_CPU_WPS = 10_014  # spacy.io/usage/facts-figures, en_core_web_lg, CPU


def _load(path: Path) -> list[str]:
    data = json.loads((path / "ground-truth.json").read_text(encoding="utf-8"))
    return [v["articleBody"] for v in data.values() if (v.get("articleBody") or "").strip()]


def _loadavg() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("dir", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--quick", action="store_true", help="the first 40 articles only")
    parser.add_argument("--repeat", type=int, default=1, help="runs; speed varies on a busy box")
    args = parser.parse_args()
    texts = _load(args.dir)
    if args.quick:
        texts = texts[:40]
    words = sum(len(t.split()) for t in texts)
    base = NlpSettings()
    model = model_for("en", base)
    nlp = pipeline_for(model, base)
    published = (nlp.meta.get("performance") or {}).get("speed")
    print(f"corpus: {len(texts)} gold texts, {words:,} words; model {model}")
    print(
        f"components: {', '.join(nlp.pipe_names)} (excluded: {', '.join(base.exclude_components)})"
    )
    print(f"cores: {os.cpu_count()}; load average before: {_loadavg()}")
    if published:
        print(
            f"spaCy published CPU speed, {model.split('@')[0]} meta.json: {published:,.0f} words/s"
        )
    print(f"spaCy Facts & Figures, en_core_web_lg CPU: {FACTS_FIGURES_LG_CPU_WPS:,} words/s")
    langs = ["en"] * len(texts)
    stock_settings = base.model_copy(update={"compiled_pos": False})
    stock = pipeline_for(model, stock_settings)
    sample = texts[:20]
    tokens = sum(len(d) for d in nlp.pipe(sample, batch_size=base.batch_size))
    per_word = tokens / sum(len(t.split()) for t in sample)
    print(f"spaCy tokens (punctuation included) per word, first 20 texts: {per_word:.2f}")
    variants = [("full analysis", base)]
    if base.compiled_pos:
        variants.append(("full analysis, stock attribute_ruler", stock_settings))
    for run in range(args.repeat):
        for label, pipeline in (("compiled POS", nlp), ("stock", stock)):
            t0 = time.perf_counter()
            for _ in pipeline.pipe(texts, batch_size=base.batch_size):
                pass
            wps = words / (time.perf_counter() - t0)
            print(
                f"[run {run + 1}] spaCy nlp.pipe only ({label}), 1 process: {wps:,.0f} words/s "
                f"(load {_loadavg()})"
            )
        for (label, variant), n in itertools.product(variants, (1, 2)):
            settings = variant.model_copy(update={"n_process": n, "multiprocess_min_chars": 0})
            t0 = time.perf_counter()
            results = analyse_texts(texts, langs, settings)
            secs = time.perf_counter() - t0
            facts = sum(len(r["facts"]) for r in results)
            quotes = sum(len(r["quotes"]) for r in results)
            print(
                f"[run {run + 1}] {label}, {n} process{'es' if n > 1 else ''}: "
                f"{words / secs:,.0f} words/s ({words / secs / n:,.0f} per process), {secs:.1f} s, "
                f"{facts} figures, {quotes} quotes (load {_loadavg()})"
            )


if __name__ == "__main__":
    main()
