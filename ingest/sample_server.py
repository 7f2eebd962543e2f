"""A local news site over the bundled sample corpus, so `make run` and the tests crawl offline.

Every outlet in samples/corpus.json gets a feed (RSS 2.0, or Atom 1.0 for outlets whose
`feed_format` is "atom") and one HTML5 page per article, wrapped in the header, navigation and
footer boilerplate real news sites carry, so extraction has the same noise to strip that it
meets in production. Feeds and pages send ETag and Last-Modified and answer a matching
conditional GET with 304, which lets the crawler's caching be exercised without the internet.
Only the standard library is used, so the server starts before anything else is installed.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import logging
import threading
from collections import Counter
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from core.errors import InvalidInput

logger = logging.getLogger(__name__)

DEFAULT_CORPUS = Path(__file__).resolve().parent.parent / "samples" / "corpus.json"
REQUIRED_ARTICLE_KEYS = ("id", "outlet", "story", "title", "published", "author", "url")


class CorpusError(InvalidInput):
    """The corpus file is missing, not JSON, or refers to outlets that do not exist."""


def load_corpus(path: Path | None = None) -> dict:
    """Read the corpus and check its references, so a broken file fails here, not mid-crawl."""
    path = Path(path) if path is not None else DEFAULT_CORPUS
    try:
        corpus = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CorpusError(f"sample corpus not found at {path}") from exc
    except json.JSONDecodeError as exc:
        raise CorpusError(f"sample corpus {path} is not valid JSON: {exc}") from exc
    for key in ("outlets", "stories", "articles"):
        if not isinstance(corpus.get(key), list):
            raise CorpusError(f"sample corpus {path}: top-level {key!r} must be a list")
    outlets = {o["slug"] for o in corpus["outlets"]}
    for i, article in enumerate(corpus["articles"]):
        missing = [k for k in REQUIRED_ARTICLE_KEYS if k not in article]
        if missing:
            raise CorpusError(f"sample corpus {path}: article #{i} lacks {', '.join(missing)}")
        if article["outlet"] not in outlets:
            raise CorpusError(
                f"sample corpus {path}: article {article['id']!r} names unknown outlet "
                f"{article['outlet']!r}; known: {', '.join(sorted(outlets))}"
            )
        if not article.get("paragraphs"):
            raise CorpusError(f"sample corpus {path}: article {article['id']!r} has no text")
    return corpus


def _when(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(UTC)


def _http_date(iso: str) -> str:
    return format_datetime(_when(iso), usegmt=True)


# --- rendering -------------------------------------------------------------------------------


def _rss(outlet: dict, articles: list[dict], base: str) -> str:
    items = []
    for a in articles:
        items.append(
            "<item>"
            f"<title>{xml_escape(a['title'])}</title>"
            f"<link>{xml_escape(base + a['url'])}</link>"
            f'<guid isPermaLink="false">{xml_escape(a["id"])}</guid>'
            f"<pubDate>{_http_date(a['published'])}</pubDate>"
            f"<author>{xml_escape(a['author'])}</author>"
            f"<description>{xml_escape(a['paragraphs'][0])}</description>"
            "</item>"
        )
    newest = max((a["published"] for a in articles), default="2026-11-01T00:00:00Z")
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>{xml_escape(outlet['name'])}</title>"
        f"<link>{xml_escape(base + '/' + outlet['slug'] + '/')}</link>"
        f"<description>{xml_escape(outlet.get('tagline', outlet['name']))}</description>"
        f"<language>{xml_escape(outlet['language'])}</language>"
        f"<lastBuildDate>{_http_date(newest)}</lastBuildDate>" + "".join(items) + "</channel></rss>"
    )


def _atom(outlet: dict, articles: list[dict], base: str, feed_url: str) -> str:
    entries = []
    for a in articles:
        entries.append(
            "<entry>"
            f"<id>urn:storyloom-sample:{xml_escape(a['id'])}</id>"
            f"<title>{xml_escape(a['title'])}</title>"
            f'<link rel="alternate" type="text/html" href="{xml_escape(base + a["url"])}"/>'
            f"<published>{a['published']}</published><updated>{a['published']}</updated>"
            f"<author><name>{xml_escape(a['author'])}</name></author>"
            f'<summary type="text">{xml_escape(a["paragraphs"][0])}</summary>'
            "</entry>"
        )
    newest = max((a["published"] for a in articles), default="2026-11-01T00:00:00Z")
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{xml_escape(outlet["language"])}">'
        f"<id>urn:storyloom-sample:feed:{xml_escape(outlet['slug'])}</id>"
        f"<title>{xml_escape(outlet['name'])}</title>"
        f"<subtitle>{xml_escape(outlet.get('tagline', outlet['name']))}</subtitle>"
        f'<link rel="self" type="application/atom+xml" href="{xml_escape(feed_url)}"/>'
        f'<link rel="alternate" type="text/html" href="{xml_escape(base)}/{outlet["slug"]}/"/>'
        f"<updated>{newest}</updated>" + "".join(entries) + "</feed>"
    )


def _page(outlet: dict, title: str, body: str, head_extra: str = "") -> str:
    """Wrap content in the chrome a real news site has: nav, cookie notice, footer links."""
    slug, name = outlet["slug"], escape(outlet["name"])
    nav = "".join(
        f'<li><a href="/{slug}/section/{s.lower()}">{s}</a></li>'
        for s in outlet.get("sections", ["World", "Business", "Technology", "Opinion"])
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{escape(outlet["language"])}">\n<head>\n'
        '<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n"
        f'<meta property="og:site_name" content="{name}">\n{head_extra}'
        f'<link rel="alternate" type="application/rss+xml" href="/feeds/{slug}.xml">\n'
        "</head>\n<body>\n"
        f'<header class="site-header"><a class="logo" href="/{slug}/">{name}</a>'
        f'<p class="tagline">{escape(outlet.get("tagline", ""))}</p>'
        f'<nav aria-label="Sections"><ul>{nav}</ul></nav>'
        '<form class="search" action="/search"><input name="q" placeholder="Search"></form>'
        "</header>\n"
        '<div class="cookie-banner">We use cookies to improve your reading experience. '
        '<a href="/privacy">Manage preferences</a></div>\n'
        f"<main>\n{body}\n</main>\n"
        f'<footer class="site-footer"><p>&copy; 2026 {name}. All rights reserved.</p>'
        f'<ul><li><a href="/{slug}/about">About us</a></li>'
        f'<li><a href="/{slug}/contact">Contact the newsroom</a></li>'
        '<li><a href="/privacy">Privacy policy</a></li>'
        f'<li><a href="/feeds/{slug}.xml">RSS</a></li></ul>'
        '<p class="newsletter">Sign up for our morning briefing, delivered before 7am.</p>'
        "</footer>\n</body>\n</html>\n"
    )


def _article_html(outlet: dict, article: dict, related: list[dict]) -> str:
    meta = (
        f'<meta property="og:title" content="{escape(article["title"])}">\n'
        '<meta property="og:type" content="article">\n'
        f'<meta property="article:published_time" content="{escape(article["published"])}">\n'
        f'<meta name="author" content="{escape(article["author"])}">\n'
        f'<meta name="description" content="{escape(article["paragraphs"][0][:200])}">\n'
    )
    paras = "\n".join(f"<p>{escape(p)}</p>" for p in article["paragraphs"])
    more = "".join(
        f'<li><a href="{escape(r["url"])}">{escape(r["title"])}</a></li>' for r in related
    )
    when = _when(article["published"]).strftime("%d %B %Y, %H:%M UTC")
    body = (
        f"<article>\n<h1>{escape(article['title'])}</h1>\n"
        f'<p class="byline">By <span class="author">{escape(article["author"])}</span> &middot; '
        f'<time datetime="{escape(article["published"])}">{when}</time></p>\n'
        f"{paras}\n</article>\n"
        '<aside class="share">Share this article: Email &middot; Copy link</aside>\n'
        f'<aside class="related"><h2>More from {escape(outlet["name"])}</h2><ul>{more}</ul></aside>'
    )
    return _page(outlet, article["title"], body, meta)


def _outlet_home(outlet: dict, articles: list[dict]) -> str:
    items = "".join(
        f'<li><a href="{escape(a["url"])}">{escape(a["title"])}</a></li>' for a in articles
    )
    return _page(outlet, outlet["name"], f"<h1>{escape(outlet['name'])}</h1><ul>{items}</ul>")


# --- serving ---------------------------------------------------------------------------------

Resource = tuple[str, bytes, str, str]  # content type, body, ETag, Last-Modified


def _resource(content_type: str, text: str, last_modified_iso: str) -> Resource:
    body = text.encode("utf-8")
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    return content_type, body, etag, _http_date(last_modified_iso)


def build_site(corpus: dict, base: str) -> dict[str, Resource]:
    """Render every route once at start-up; the corpus is small and never changes while served."""
    site: dict[str, Resource] = {}
    oldest = min(a["published"] for a in corpus["articles"])
    by_outlet: dict[str, list[dict]] = {o["slug"]: [] for o in corpus["outlets"]}
    for a in corpus["articles"]:
        by_outlet[a["outlet"]].append(a)
    for outlet in corpus["outlets"]:
        slug = outlet["slug"]
        articles = sorted(by_outlet[slug], key=lambda a: a["published"], reverse=True)
        newest = articles[0]["published"] if articles else oldest
        feed_path = f"/feeds/{slug}.xml"
        if outlet.get("feed_format") == "atom":
            text = _atom(outlet, articles, base, base + feed_path)
            site[feed_path] = _resource("application/atom+xml; charset=utf-8", text, newest)
        else:
            site[feed_path] = _resource(
                "application/rss+xml; charset=utf-8", _rss(outlet, articles, base), newest
            )
        html = "text/html; charset=utf-8"
        site[f"/{slug}/"] = _resource(html, _outlet_home(outlet, articles), newest)
        for a in articles:
            related = [r for r in articles if r is not a][:3]
            site[a["url"]] = _resource(html, _article_html(outlet, a, related), a["published"])
    links = "".join(
        f'<li><a href="/{o["slug"]}/">{escape(o["name"])}</a> '
        f'(<a href="/feeds/{o["slug"]}.xml">feed</a>)</li>'
        for o in corpus["outlets"]
    )
    index = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>storyloom sample outlets</title></head>"
        f"<body><h1>Sample outlets</h1><ul>{links}</ul></body></html>\n"
    )
    site["/"] = _resource("text/html; charset=utf-8", index, oldest)
    site["/robots.txt"] = _resource(
        "text/plain; charset=utf-8", "User-agent: *\nAllow: /\n", oldest
    )
    return site


def _not_modified(headers: Any, etag: str, last_modified: str) -> bool:
    """RFC 9110: If-None-Match wins over If-Modified-Since when both are sent."""
    inm = headers.get("If-None-Match")
    if inm is not None:
        tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
        return "*" in tags or etag in tags
    ims = headers.get("If-Modified-Since")
    if ims:
        try:
            return parsedate_to_datetime(ims) >= parsedate_to_datetime(last_modified)
        except (TypeError, ValueError):
            return False  # an unparseable date is ignored, as the RFC says
    return False


def _handler_for(site: dict[str, Resource]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "storyloom-sample/1.0"

        def log_message(self, fmt: str, *args: Any) -> None:
            logger.debug("%s " + fmt, self.address_string(), *args)

        def _respond(self, with_body: bool) -> None:
            path = self.path.split("?", 1)[0].split("#", 1)[0]
            resource = site.get(path)
            if resource is None:
                body = f"404 not found: {path}\n".encode()
                self.send_response(404)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if with_body:
                    self.wfile.write(body)
                return
            ctype, body, etag, last_modified = resource
            fresh = _not_modified(self.headers, etag, last_modified)
            self.send_response(304 if fresh else 200)
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", last_modified)
            self.send_header("Cache-Control", "max-age=60")
            if fresh:
                self.end_headers()
                return
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if with_body:
                self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self._respond(with_body=True)  # a client that went away needs no answer

        def do_HEAD(self) -> None:  # noqa: N802
            self._respond(with_body=False)

    return Handler


def _counting(handler: type[BaseHTTPRequestHandler], hits: Counter) -> type:
    lock = threading.Lock()

    class Counting(handler):  # type: ignore[misc, valid-type]
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            with lock:
                hits[self.path.split("?", 1)[0]] += 1
            super().do_GET()

    return Counting


class SampleServer:
    """The sample site on a background thread; port 0 picks a free port (tests run in parallel)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, corpus: dict | None = None) -> None:
        self.corpus = corpus if corpus is not None else load_corpus()
        # bind first: the rendered links need the real port
        self._httpd = ThreadingHTTPServer((host, port), BaseHTTPRequestHandler)
        self._httpd.daemon_threads = True
        bound_host, bound_port = self._httpd.server_address[:2]
        self.base_url = f"http://{bound_host}:{bound_port}"
        self.site = build_site(self.corpus, self.base_url)
        self.hits: Counter[str] = Counter()  # GETs per path: "each feed fetched once"
        self._httpd.RequestHandlerClass = _counting(_handler_for(self.site), self.hits)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="sample-server", daemon=True
        )
        self._thread.start()
        logger.info("sample site serving %d routes at %s", len(self.site), self.base_url)

    def feed_urls(self) -> dict[str, str]:
        return {o["slug"]: f"{self.base_url}/feeds/{o['slug']}.xml" for o in self.corpus["outlets"]}

    def url(self, path: str) -> str:
        return self.base_url + path

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> SampleServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def sources_toml(server_base_url: str, corpus: dict) -> str:
    """The [[sources]] block for config.toml, pointing at a running sample server."""
    base = server_base_url.rstrip("/")
    blocks = []
    for o in corpus["outlets"]:
        fields = {
            "name": o["name"],
            "kind": "feed",
            "url": f"{base}/feeds/{o['slug']}.xml",
            "site_url": f"{base}/{o['slug']}/",
            "country": o["country"],
            "language": o["language"],
            "default_lens": o["default_lens"],
        }
        # JSON string escapes are valid TOML basic-string escapes
        lines = [f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in fields.items()]
        blocks.append("[[sources]]\n" + "\n".join(lines) + "\n")
    return "\n".join(blocks)


def main(argv: list[str] | None = None) -> None:
    """Serve the sample site until Ctrl-C; optionally write the [[sources]] block for it."""
    parser = argparse.ArgumentParser(
        prog="python -m ingest.sample_server",
        description="Serve the bundled sample news corpus as feeds and article pages.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8808, help="port (0 picks a free one)")
    parser.add_argument("--corpus", type=Path, default=None, help="corpus JSON to serve")
    parser.add_argument(
        "--sources-toml", type=Path, default=None, help="also write a [[sources]] TOML file here"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        corpus = load_corpus(args.corpus)
        server = SampleServer(args.host, args.port, corpus)
    except (CorpusError, OSError) as exc:
        parser.exit(2, f"error: {exc}\n")
    with server:
        if args.sources_toml:
            args.sources_toml.write_text(sources_toml(server.base_url, corpus), encoding="utf-8")
        print(f"Serving {len(corpus['articles'])} sample articles at {server.base_url}")
        for slug, url in server.feed_urls().items():
            print(f"  {slug:<20} {url}")
        print("Press Ctrl-C to stop.", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopped")


if __name__ == "__main__":
    main()
