"""extract_article on real benchmark pages and on awkward inputs (wrong charset, non-HTML, junk)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from core.settings.crawler import CrawlerSettings
from ingest.extract import decode_html, extract_article


def extract(*args, **kwargs):  # noqa: ANN002, ANN003, ANN201 - extract_article with defaults
    return extract_article(*args, settings=CrawlerSettings(), **kwargs)


PAGES = {
    # id prefix: (title fragment, a sentence from the page's gold text)
    "042bb7b5fedab6eac7db576522b89b93904c237d344bcbe14a6a5ab7f7335856": (
        "So Many Ways to Play",
        "Gaming used to be so simple.",
    ),
    "06e5123e4ef7cfb4533250dc45d1e03d0838fc66223f45c583c4d12f48b4da85": (
        "New York State Attorney General investigating WeWork",
        "The New York State Attorney General (NYAG) is investigating WeWork",
    ),
    "05844573ca7e1fba714d715bb11ca08c26e25328999c74a1cb3bc8a0e4399f0f": (
        "New SUVs and electric vehicles highlight L.A. Auto Show",
        "New electric vehicles, several new small SUVs",
    ),
}

ARTICLE = (
    "<p>Der Bürgermeister von Köln hat am Dienstag über die Straßenbahn gesprochen. "
    "Die Änderungen gelten ab März für alle Fahrgäste, sagte er vor dem Rathaus.</p>"
) * 4


def _page(charset_meta: str | None) -> str:
    meta = f'<meta charset="{charset_meta}">' if charset_meta else ""
    return (
        f'<!doctype html><html lang="de"><head>{meta}<title>Köln: Straßenbahn</title></head>'
        f"<body><article><h1>Köln: Straßenbahn</h1>{ARTICLE}</article></body></html>"
    )


@pytest.mark.parametrize("page_id", sorted(PAGES))
def test_benchmark_pages(page_id: str, bench_dir: Path) -> None:
    body = gzip.decompress((bench_dir / "html" / f"{page_id}.html.gz").read_bytes())
    got = extract(body, url="https://example.com/a", headers={"Content-Type": "text/html"})
    title, sentence = PAGES[page_id]
    assert got.title and title in got.title
    assert sentence in got.text
    assert got.declared_lang in {"en", None}


def test_metadata_fields() -> None:
    html = _page("utf-8").replace(
        "</head>",
        '<meta name="author" content="Anna Schmidt">'
        '<meta property="og:site_name" content="Kölner Blatt">'
        '<meta property="article:published_time" content="2024-03-05T10:00:00+01:00"></head>',
    )
    got = extract(html.encode(), url="https://example.de/a")
    assert got.title == "Köln: Straßenbahn"
    assert got.author == "Anna Schmidt"
    assert got.site_name == "Kölner Blatt"
    assert got.published is not None and got.published.year == 2024 and got.published.tzinfo
    assert got.declared_lang == "de"
    assert "Bürgermeister von Köln" in got.text


def test_wrong_http_charset_does_not_make_mojibake() -> None:
    body = _page("utf-8").encode("utf-8")
    got = extract(body, headers={"Content-Type": "text/html; charset=iso-8859-1"})
    assert "Bürgermeister von Köln" in got.text
    assert "Ã" not in got.text


def test_declared_legacy_charset_is_respected_when_right() -> None:
    body = _page("windows-1252").encode("cp1252")
    got = extract(body, headers={"Content-Type": "text/html"})
    assert "Bürgermeister von Köln" in got.text
    got = extract(
        _page(None).encode("latin-1"), headers={"Content-Type": "text/html; charset=latin-1"}
    )
    assert "Straßenbahn" in got.text


def test_charset_order_bom_then_header_then_meta() -> None:
    text = _page("iso-8859-1")
    assert (
        decode_html(
            b"\xef\xbb\xbf" + text.encode("utf-8"), {"content-type": "text/html; charset=koi8-r"}
        )[1]
        == "utf-8"
    )
    assert decode_html(b"\xff\xfe" + text.encode("utf-16-le"))[1] == "utf-16-le"
    assert (
        decode_html(
            text.encode("koi8-r", "replace"), {"content-type": "text/html; charset=koi8-r"}
        )[1]
        == "koi8-r"
    )
    assert decode_html(text.encode("latin-1"))[1] == "iso8859-1"
    undeclared = _page(None).encode("utf-8")
    assert decode_html(undeclared)[1] == "utf-8"


def test_non_html_body_gives_empty_text() -> None:
    assert extract(b"%PDF-1.7\n...", headers={"Content-Type": "application/pdf"}).text == ""
    assert extract(b'{"a": 1}', headers={"Content-Type": "application/json"}).text == ""
    assert extract(b"\x89PNG\r\n\x1a\n\x00\x00", headers={}).text == ""


@pytest.mark.parametrize("junk", [b"", b"   ", b"\x00\x01\x02\xff" * 100, b"<<<>>>", "<html>"])
def test_garbage_never_raises(junk: bytes | str) -> None:
    got = extract(junk, headers={"Content-Type": "text/html"})
    assert got.text == ""
    assert got.title is None
