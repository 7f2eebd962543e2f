"""Article text and metadata from HTML we fetched ourselves (trafilatura, never its fetcher).

Decoding bytes follows the HTML5 order (BOM, HTTP charset, <meta charset>, detection) with one
guard: a declared single-byte legacy charset (latin-1, windows-125x, ...) loses to UTF-8 when
the bytes are valid UTF-8 and contain non-ASCII. Real Latin-1 text almost never forms valid
UTF-8 multi-byte sequences, while servers mislabelling UTF-8 pages as Latin-1 are common; that
is the one way a wrong declaration turns into mojibake that a correct decode avoids.
"""

from __future__ import annotations

import codecs
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from charset_normalizer import from_bytes
from trafilatura import bare_extraction

from core.settings.crawler import CrawlerSettings
from ingest.langid import short_code

logger = logging.getLogger(__name__)


@dataclass
class Extracted:
    title: str | None
    text: str
    author: str | None
    published: datetime | None
    site_name: str | None
    declared_lang: str | None


EMPTY = Extracted(None, "", None, None, None, None)

# ---------------------------------------------------------------- charset

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([\w.:-]+)", re.I)
# <meta charset="x"> and <meta http-equiv content="text/html; charset=x">
_META_CHARSET = re.compile(rb"<meta[^>]+?charset\s*=\s*[\"']?\s*([\w.:-]+)", re.I)
_META_SCAN_BYTES = 4096  # HTML5's prescan reads 1024 bytes; real heads are often longer
_SINGLE_BYTE = ("latin", "iso8859", "cp125", "cp437", "cp850", "ascii", "mac")


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        logger.debug("unknown charset %r ignored", name)
        return None


def header_charset(headers: Mapping[str, str] | None) -> str | None:
    match = _HEADER_CHARSET.search((headers or {}).get("content-type", ""))
    return _codec(match.group(1)) if match else None


def meta_charset(body: bytes) -> str | None:
    match = _META_CHARSET.search(body[:_META_SCAN_BYTES])
    return _codec(match.group(1).decode("ascii", "ignore")) if match else None


def _valid_utf8_non_ascii(body: bytes) -> bool:
    if body.isascii():
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def decode_html(body: bytes, headers: Mapping[str, str] | None = None) -> tuple[str, str]:
    """(text, codec used). Never raises: the last resort is UTF-8 with replacement."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(codec, "replace"), codec
    for declared in (header_charset(headers), meta_charset(body)):
        if not declared:
            continue
        if declared.replace("-", "").startswith(_SINGLE_BYTE) and _valid_utf8_non_ascii(body):
            return body.decode("utf-8"), "utf-8"
        try:
            return body.decode(declared), declared
        except UnicodeDecodeError:
            logger.debug("declared charset %s does not decode the body; next", declared)
    if body.isascii():
        return body.decode("ascii"), "ascii"
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(body[:200_000]).best()
    if best is not None and best.encoding:
        return body.decode(best.encoding, "replace"), best.encoding
    return body.decode("utf-8", "replace"), "utf-8"


# ---------------------------------------------------------------- content type

_HTML_TYPES = ("text/html", "application/xhtml+xml", "text/xml", "application/xml")
_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b")


def is_html(body: bytes | str, headers: Mapping[str, str] | None) -> bool:
    """Whether the body is worth handing to the extractor at all."""
    ctype = (headers or {}).get("content-type", "").split(";", 1)[0].strip().lower()
    if ctype and ctype not in _HTML_TYPES:
        return False
    if isinstance(body, bytes):
        if body.startswith(_BINARY_MAGIC) or b"\x00" in body[:1024]:
            return False
        head = body[:2048].lower()
        return b"<" in head and (not ctype.endswith("xml") or b"<html" in head)
    return "<" in body[:2048]


# ---------------------------------------------------------------- metadata helpers

_LANG_ATTR = re.compile(r"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3}(?:[-_][\w-]+)?)", re.I)
_META_LANG = re.compile(
    r"<meta[^>]+?(?:http-equiv\s*=\s*[\"']?content-language|property\s*=\s*[\"']og:locale)"
    r"[^>]*?content\s*=\s*[\"']?([A-Za-z]{2,3}(?:[-_][\w-]+)?)",
    re.I,
)


def declared_language(html: str, headers: Mapping[str, str] | None = None) -> str | None:
    """<html lang>, then Content-Language meta / og:locale, then the HTTP header."""
    head = html[:20_000]
    for pattern in (_LANG_ATTR, _META_LANG):
        match = pattern.search(head)
        if match and short_code(match.group(1)):
            return short_code(match.group(1))
    return short_code((headers or {}).get("content-language", "").split(",")[0])


def _to_datetime(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        return None
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).astimezone(UTC)


def _clean(value: object) -> str | None:
    text = " ".join(str(value).split()) if value else ""
    return text or None


# ---------------------------------------------------------------- extraction


def extract_article(
    html: bytes | str,
    url: str | None = None,
    headers: Mapping[str, str] | None = None,
    *,
    settings: CrawlerSettings,
) -> Extracted:
    """Main text and metadata; empty text for non-HTML, empty or unparseable input.

    `settings` is required: the [crawler] extract_* keys must reach trafilatura from every
    caller (crawl, add-url, the evaluation), not only from the ones that remember to pass them.
    """
    cfg = settings
    hdrs = {str(k).lower(): str(v) for k, v in (headers or {}).items()}
    if not html or not is_html(html, hdrs):
        return EMPTY
    text_html = decode_html(html, hdrs)[0] if isinstance(html, bytes) else html
    lang = declared_language(text_html, hdrs)
    try:
        doc = bare_extraction(
            text_html,
            url=url,
            with_metadata=True,
            include_comments=cfg.extract_include_comments,
            include_tables=cfg.extract_include_tables,
            favor_precision=cfg.extract_favor_precision,
            favor_recall=cfg.extract_favor_recall,
        )
    except Exception as exc:  # noqa: BLE001 - trafilatura on hostile HTML: never crash ingest
        logger.warning("extraction failed for %s: %s", url or "<html>", exc)
        return Extracted(None, "", None, None, None, lang)
    if doc is None:
        return Extracted(None, "", None, None, None, lang)
    return Extracted(
        title=_clean(doc.title),
        text=(doc.text or "").strip(),
        author=_clean(doc.author),
        published=_to_datetime(doc.date),
        site_name=_clean(doc.sitename),
        declared_lang=lang,
    )
