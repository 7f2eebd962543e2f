"""`storyloom import FILE.jsonl`: archived articles into the same pipeline, without fetching.

Each good line becomes an article whose fetch stage is already done; bad lines are reported
by line number and skipped, and never cost the lines already stored.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from core.settings.crawler import CrawlerSettings
from ingest.langid import detect_language
from ingest.urls import canonical_url, region_from_host, url_host
from store.articles import DONE, PENDING, merge_duplicate_text, text_hash, upsert_article
from store.notify import notify_work
from store.schema import sources

logger = logging.getLogger(__name__)

REQUIRED = ("url", "text")
KNOWN = {"url", "text", "title", "published", "source", "region", "lang", "id", "cluster"}


@dataclass
class ImportReport:
    created: int = 0
    known: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)


def _parse_time(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value / 1000 if value > 1e11 else value, UTC)
    dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _validate(obj: Any) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise ValueError("each line must be a JSON object")
    missing = [k for k in REQUIRED if not isinstance(obj.get(k), str) or not obj[k].strip()]
    if missing:
        raise ValueError(f"missing or empty required field(s): {', '.join(missing)}")
    if not obj["url"].startswith(("http://", "https://")):
        raise ValueError(f"url must be http(s): {obj['url'][:80]!r}")
    try:
        obj["published"] = _parse_time(obj.get("published"))
    except (ValueError, OverflowError, OSError) as e:
        raise ValueError(f"published is not an ISO date or epoch: {e}") from None
    return obj


def import_jsonl(engine: Engine, path: Path, settings: CrawlerSettings) -> ImportReport:
    """Import every valid line of `path`; one transaction per line so a bad one costs nothing.

    `settings` ([crawler]) decides language identification, as for crawled pages.
    """
    report = ImportReport()
    with engine.connect() as conn:
        source_ids = {n: i for i, n in conn.execute(select(sources.c.id, sources.c.name))}
    with path.open("rb") as fh:
        for line_no, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                obj = _validate(json.loads(raw.decode("utf-8")))
            except (ValueError, UnicodeDecodeError) as e:
                report.errors.append((line_no, str(e)))
                continue
            text = obj["text"].strip()
            lang, conf = detect_language(text, obj.get("lang"), settings)
            region = obj.get("region") or region_from_host(url_host(obj["url"]))
            digest = text_hash(text)
            with engine.begin() as conn:
                aid, created = upsert_article(
                    conn,
                    url=obj["url"],
                    canonical=canonical_url(obj["url"]),
                    source_id=source_ids.get(obj.get("source")),
                    source_name=obj.get("source"),
                    title=obj.get("title"),
                    text=text,
                    published_at=obj["published"],
                    region=region,
                    lang=lang,
                    lang_confidence=conf,
                    extraction="import",
                    content_hash=digest,
                    fetch_status=DONE,
                    nlp_status=PENDING,
                )
                if created and aid is not None:
                    survivor = merge_duplicate_text(conn, aid, digest)
                    if survivor is not None:  # the same text under another URL
                        aid, created = survivor, False
            if aid is None:
                report.errors.append((line_no, "tombstoned: an editor deleted this article"))
            elif created:
                report.created += 1
                report.ids.append(aid)
            else:
                report.known += 1
    if report.created:
        with engine.begin() as conn:
            notify_work(conn, "nlp")  # idle workers wake now instead of at their next poll
    logger.info(
        "import finished",
        extra={"file": str(path), "n_created": report.created, "bad": len(report.errors)},
    )
    return report
