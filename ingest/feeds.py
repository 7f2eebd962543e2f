"""Feeds from bytes we fetched ourselves: RSS/Atom/RDF through feedparser, JSON Feed natively.

feedparser is given a stream (never a URL or a str, which it would try to fetch or open as a
file) plus the real response headers, so its charset rules (HTTP charset over XML declaration,
text/* defaults) see what the server said. Ill-formed feeds keep their entries; the parser's
warning is kept as text for the source's status. Nothing here raises on bad input.
"""

from __future__ import annotations

import calendar
import io
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser
from lxml import html as lxml_html

from ingest.langid import short_code

logger = logging.getLogger(__name__)

_JSON_TYPES = ("application/feed+json", "application/json")
_WS = re.compile(r"\s+")


@dataclass
class FeedEntry:
    guid: str | None
    link: str | None
    title: str | None
    summary: str | None
    published: datetime | None
    author: str | None
    lang: str | None


@dataclass
class ParsedFeed:
    entries: list[FeedEntry] = field(default_factory=list)
    title: str | None = None
    link: str | None = None
    lang: str | None = None
    ttl_minutes: int | None = None
    bozo: str | None = None
    version: str | None = None
    raw: Any = None


def html_to_text(fragment: str | None) -> str | None:
    """Plain text of an HTML fragment (feed summaries carry markup and entities)."""
    if not fragment:
        return None
    if "<" not in fragment and "&" not in fragment:
        text = fragment
    else:
        try:
            text = lxml_html.fragment_fromstring(fragment, create_parent="div").text_content()
        except (ValueError, TypeError, lxml_html.etree.ParserError) as exc:
            logger.debug("summary is not parseable HTML (%s); stripping tags", exc)
            text = re.sub(r"<[^>]*>", " ", fragment)
    text = _WS.sub(" ", text).strip()
    return text or None


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    text = _WS.sub(" ", str(value)).strip()
    return text or None


def _struct_to_dt(value: Any) -> datetime | None:
    """feedparser's *_parsed fields are UTC struct_time; make them aware datetimes."""
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    except (OverflowError, ValueError, TypeError):
        return None


def _iso_to_dt(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        parsed = feedparser.datetimes._parse_date(value)  # RFC 822 and friends
        return _struct_to_dt(parsed)
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).astimezone(UTC)


def _int_or_none(value: Any) -> int | None:
    try:
        n = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return n if n >= 0 else None


def _looks_like_json(body: bytes, headers: Mapping[str, str]) -> bool:
    ctype = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if ctype in _JSON_TYPES:
        return True
    head = body[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"{")


def _json_author(obj: Mapping[str, Any]) -> str | None:
    authors = obj.get("authors")
    if isinstance(authors, list) and authors and isinstance(authors[0], Mapping):
        return _clean(authors[0].get("name"))
    author = obj.get("author")
    if isinstance(author, Mapping):
        return _clean(author.get("name"))
    return None


def _parse_json_feed(body: bytes) -> ParsedFeed:
    try:
        doc = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return ParsedFeed(bozo=f"{type(exc).__name__}: {exc}")
    if not isinstance(doc, Mapping) or "jsonfeed.org/version" not in str(doc.get("version", "")):
        return ParsedFeed(bozo="NotAFeed: JSON document without a jsonfeed.org version", raw=doc)
    feed_lang = short_code(doc.get("language"))
    entries = []
    for item in doc.get("items") or []:
        if not isinstance(item, Mapping):
            continue
        summary = _clean(item.get("summary")) or _clean(item.get("content_text"))
        if not summary:
            summary = html_to_text(item.get("content_html"))
        entries.append(
            FeedEntry(
                guid=_clean(item.get("id")),
                link=_clean(item.get("url")) or _clean(item.get("external_url")),
                title=_clean(item.get("title")),
                summary=summary,
                published=_iso_to_dt(item.get("date_published") or item.get("date_modified")),
                author=_json_author(item) or _json_author(doc),
                lang=short_code(item.get("language")) or feed_lang,
            )
        )
    version = str(doc["version"]).rstrip("/").rsplit("/", 1)[-1]
    return ParsedFeed(
        entries=entries,
        title=_clean(doc.get("title")),
        link=_clean(doc.get("home_page_url")),
        lang=feed_lang,
        version=f"json{version.replace('.', '')}",
        raw=doc,
    )


def _entry_lang(entry: Mapping[str, Any], feed_lang: str | None) -> str | None:
    for key in ("summary_detail", "title_detail", "content"):
        detail = entry.get(key)
        if isinstance(detail, list):
            detail = detail[0] if detail else None
        if isinstance(detail, Mapping) and detail.get("language"):
            return short_code(detail["language"])
    return feed_lang


def _entry_summary(entry: Mapping[str, Any]) -> str | None:
    summary = entry.get("summary")
    if not summary and entry.get("content"):
        summary = entry["content"][0].get("value")
    return html_to_text(summary)


def _to_entry(entry: Mapping[str, Any], feed_lang: str | None) -> FeedEntry:
    return FeedEntry(
        guid=_clean(entry.get("id")),
        link=_clean(entry.get("link")),
        title=_clean(entry.get("title")),
        summary=_entry_summary(entry),
        published=_struct_to_dt(entry.get("published_parsed") or entry.get("updated_parsed")),
        author=_clean(entry.get("author")),
        lang=_entry_lang(entry, feed_lang),
    )


def parse_feed(
    body: bytes, headers: Mapping[str, str] | None = None, url: str | None = None
) -> ParsedFeed:
    """Entries and feed metadata; an empty ParsedFeed with `bozo` set for garbage."""
    hdrs = {str(k).lower(): str(v) for k, v in (headers or {}).items()}
    if not isinstance(body, bytes | bytearray):
        return ParsedFeed(bozo=f"TypeError: feed body must be bytes, not {type(body).__name__}")
    body = bytes(body)
    if not body.strip():
        return ParsedFeed(bozo="EmptyDocument: the response body is empty")
    if _looks_like_json(body, hdrs):
        return _parse_json_feed(body)
    if url:  # base for relative links: Content-Location, itself relative to the fetched URL
        hdrs["content-location"] = urljoin(url, hdrs.get("content-location", ""))
    try:
        raw = feedparser.parse(io.BytesIO(body), response_headers=hdrs)
    except Exception as exc:  # noqa: BLE001 - feedparser on hostile input: never crash ingest
        logger.warning("feedparser failed on %s: %s", url or "<bytes>", exc)
        return ParsedFeed(bozo=f"{type(exc).__name__}: {exc}")
    bozo = None
    if raw.get("bozo"):
        exc = raw.get("bozo_exception")
        bozo = f"{type(exc).__name__}: {exc}" if exc is not None else "bozo"
    feed = raw.get("feed", {})
    feed_lang = short_code(feed.get("language") or hdrs.get("content-language"))
    entries = [_to_entry(e, feed_lang) for e in raw.get("entries", [])]
    if not entries and not feed and bozo is None:
        bozo = "NotAFeed: no feed elements found"
    return ParsedFeed(
        entries=entries,
        title=_clean(feed.get("title")),
        link=_clean(feed.get("link")),
        lang=feed_lang,
        ttl_minutes=_int_or_none(feed.get("ttl")),
        bozo=bozo,
        version=raw.get("version") or None,
        raw=raw,
    )
