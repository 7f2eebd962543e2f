"""Ingest-test helpers: a Config for loopback crawling and a store with its sources in it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from core.config import Config
from store.articles import sync_sources
from store.schema import article_urls, articles, sources

# Loopback allowed, no politeness waits, short timeouts: failure cases stay fast.
FAST_CRAWLER: dict[str, Any] = {
    "allow_hosts": ["127.0.0.1"],
    "throttle_start_delay_s": 0.0,
    "throttle_enabled": False,
    "min_delay_s": 0.0,
    "per_host_concurrency": 8,
    "connect_timeout_s": 2.0,
    "read_timeout_s": 2.0,
    "total_timeout_s": 4.0,
    "max_body_bytes": 1_000_000,
    "max_wire_bytes": 1_000_000,
}


def make_config(url: str, feeds: dict[str, str], **crawler: Any) -> Config:
    """A Config over the store at `url` whose sources are `feeds` (name -> feed URL)."""
    return Config.model_validate(
        {
            "storage": {"url": url},
            "sources": [{"name": n, "url": u} for n, u in feeds.items()],
            "crawler": {**FAST_CRAWLER, **crawler},
        }
    )


def register(engine: Engine, config: Config) -> dict[str, int]:
    with engine.begin() as conn:
        return sync_sources(conn, config.sources)


def source_rows(engine: Engine) -> dict[str, dict[str, Any]]:
    with engine.connect() as conn:
        return {r.name: dict(r._mapping) for r in conn.execute(select(sources))}


def article_rows(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(articles).order_by(articles.c.id))]


def known_urls(engine: Engine) -> set[str]:
    """Every URL the store knows an article by: canonical URLs plus the extra ones."""
    with engine.connect() as conn:
        urls = {r[0] for r in conn.execute(select(articles.c.canonical_url))}
        return urls | {r[0] for r in conn.execute(select(article_urls.c.url))}


def rss(items: list[dict[str, str]], title: str = "Test feed") -> bytes:
    """A small RSS 2.0 document; each item: link, title, optional guid/summary/pubDate."""
    parts = []
    for it in items:
        inner = f"<title>{it['title']}</title><link>{it['link']}</link>"
        if it.get("guid"):
            inner += f"<guid>{it['guid']}</guid>"
        if it.get("summary"):
            inner += f"<description>{it['summary']}</description>"
        if it.get("date"):
            inner += f"<pubDate>{it['date']}</pubDate>"
        parts.append(f"<item>{inner}</item>")
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>http://127.0.0.1/</link>{''.join(parts)}</channel></rss>"
    ).encode()


RSS_HEADERS = {"Content-Type": "application/rss+xml; charset=utf-8"}


def article_html(title: str, body: str, charset: str = "utf-8") -> bytes:
    paras = "".join(f"<p>{body} Paragraph {i} adds detail.</p>" for i in range(6))
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="{charset}"><title>{title}</title>'
        f"</head><body><nav>Home | World | Sport</nav><article><h1>{title}</h1>{paras}"
        "</article><footer>Copyright Example News</footer></body></html>"
    ).encode(charset)
