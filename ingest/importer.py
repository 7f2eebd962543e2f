"""`storyloom import FILE.jsonl`: archived articles into the same pipeline, without fetching.

Each good line becomes an article whose fetch stage is already done; bad lines are reported
by line number and skipped, and never cost the lines already stored. Each field is
type-checked and cleaned by ingest/validate.py (what was removed is reported as a warning);
a line the database still refuses is reported with its number, and the import goes on to
the end of the file.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError

from core.progress import progress
from core.settings.crawler import CrawlerSettings
from ingest.langid import detect_language
from ingest.urls import canonical_url, region_from_host, url_host
from ingest.validate import check_import_record
from store.articles import DONE, PENDING, merge_duplicate_text, text_hash, upsert_article
from store.notify import notify_work
from store.schema import sources

logger = logging.getLogger(__name__)


@dataclass
class ImportReport:
    created: int = 0
    known: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)


def _store(
    engine: Engine, obj: dict[str, Any], source_ids: dict[str, int], settings: CrawlerSettings
) -> tuple[int | None, bool]:
    """One line in its own transaction: (article id or None when tombstoned, created)."""
    text = obj["text"].strip()
    lang, conf = detect_language(text, obj.get("lang"), settings)
    region = obj.get("region") or region_from_host(url_host(obj["url"]))
    digest = text_hash(text)
    with engine.begin() as conn:
        aid, created = upsert_article(
            conn,
            url=obj["url"],
            canonical=canonical_url(obj["url"]),
            source_id=source_ids.get(obj.get("source") or ""),
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
    return aid, created


def _db_reason(exc: SQLAlchemyError) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def import_jsonl(engine: Engine, path: Path, settings: CrawlerSettings) -> ImportReport:
    """Import every valid line of `path`; one transaction per line so a bad one costs nothing.

    `settings` ([crawler]) decides language identification, as for crawled pages.
    """
    report = ImportReport()
    with engine.connect() as conn:
        source_ids = {n: i for i, n in conn.execute(select(sources.c.id, sources.c.name))}
    size = path.stat().st_size
    with path.open("rb") as fh, progress("importing", total=size, unit="B") as bar:
        for line_no, raw in enumerate(fh, start=1):
            bar.advance(len(raw))
            if not raw.strip():
                continue
            try:
                cleaned = check_import_record(json.loads(raw.decode("utf-8")))
            except (ValueError, UnicodeDecodeError, RecursionError) as e:
                report.errors.append((line_no, str(e)))
                continue
            report.warnings.extend((line_no, note) for note in cleaned.notes)
            try:
                aid, created = _store(engine, cleaned.values, source_ids, settings)
            except SQLAlchemyError as e:
                logger.warning("import line refused by the store", extra={"line": line_no})
                report.errors.append((line_no, f"the store refused it: {_db_reason(e)}"))
                continue
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
        extra={
            "file": str(path),
            "n_created": report.created,
            "bad": len(report.errors),
            "cleaned": len(report.warnings),
        },
    )
    return report
