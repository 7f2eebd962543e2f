"""/metrics in Prometheus' text format (prometheus-client): what an operator graphs.

Counts are read from the store at scrape time by a custom collector, so every process
serving /metrics reports the same totals however many crawlers and workers write the store;
stage batch latency is this process's own histogram (storyloom/stagetime.py). A scrape
whose store query fails answers 503, never half a page.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from core.stagetime import STAGE_SECONDS
from store.opsstats import (
    article_status_counts,
    fetch_outcome_totals,
    lens_model_stats,
    queue_stats,
    story_counts,
)

logger = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
P = "storyloom_"


class StoreCollector(Collector):
    """Store-wide counts, queried on every scrape."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        yield from store_metrics(self.engine)


def _gauge(name: str, doc: str, labels: list[str], rows: dict[tuple, Any]) -> Metric:
    g = GaugeMetricFamily(P + name, doc, labels=labels)
    for key, value in sorted(rows.items()):
        g.add_metric(list(key), float(value))
    return g


def store_metrics(engine: Engine) -> list[Metric]:
    out: list[Metric] = []
    out.append(
        _gauge(
            "articles",
            "Articles by stage and stage status (lens: done = predicted).",
            ["stage", "status"],
            article_status_counts(engine),
        )
    )
    queues = queue_stats(engine)
    out.append(
        _gauge(
            "queue_depth",
            "Rows a stage could claim now.",
            ["stage"],
            {(s,): n for s, (n, _) in queues.items()},
        )
    )
    out.append(
        _gauge(
            "queue_oldest_pending_seconds",
            "Age of the oldest row waiting for a stage (0 when none waits).",
            ["stage"],
            {(s,): age for s, (_, age) in queues.items()},
        )
    )
    fetches = CounterMetricFamily(
        P + "fetch_outcomes",
        "Fetches by source and outcome kind (ok, not_modified, rate_limited, robots, "
        "refused, http_error, timeout, network_error, content_error).",
        labels=["source", "kind"],
    )
    for (source, kind), n in sorted(fetch_outcome_totals(engine).items()):
        fetches.add_metric([source, kind], n)
    out.append(fetches)
    s = story_counts(engine)
    out.append(
        GaugeMetricFamily(P + "live_stories", "Open stories the clusterer holds.", value=s["live"])
    )
    out.append(
        GaugeMetricFamily(
            P + "drafts_pending",
            "Drafted stories waiting for an editor (open, not yet approved).",
            value=s["pending_review"],
        )
    )
    out.append(
        _gauge(
            "drafts",
            "Stories by draft state (drafted, approved, rebuild_pending).",
            ["state"],
            {(k,): s[k] for k in ("drafted", "approved", "rebuild_pending")},
        )
    )
    lens = lens_model_stats(engine)
    info = GaugeMetricFamily(
        P + "lens_model_active", "The active lens model version (value 1).", labels=["version"]
    )
    if lens["version"]:
        info.add_metric([lens["version"]], 1.0)
    out.append(info)
    if lens["macro_f1"] is not None:
        out.append(
            GaugeMetricFamily(
                P + "lens_model_macro_f1",
                "Cross-validated macro-F1 of the active lens model.",
                value=float(lens["macro_f1"]),
            )
        )
    out.append(
        CounterMetricFamily(
            P + "retrain_runs", "Lens retrains recorded (promoted or not).", value=lens["runs"]
        )
    )
    return out


def metrics_registry(engine: Engine) -> CollectorRegistry:
    """One registry per app: the store collector plus the process's stage histogram."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(engine))
    registry.register(STAGE_SECONDS)
    return registry


@router.get("/metrics")
def metrics(request: Request) -> Response:
    registry = request.app.state.metrics_registry
    try:
        body = generate_latest(registry)
    except SQLAlchemyError as exc:
        logger.warning("metrics scrape failed: store unreachable", extra={"error": str(exc)})
        return PlainTextResponse("store unreachable\n", status_code=503)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
