"""A small live news site for daemon tests: feeds that grow over time, one page per article.

Feed i reveals entry j once `j * reveal_s` seconds have passed since the site started, so a
crawler polling it keeps finding new work for a while. Each feed also lists its neighbour's
first entry under a tracking-parameter variant of the URL (one article, two feeds). Pages are
slightly slow so that a crawler killed at a random moment is often mid-fetch.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler

from ingest.urls import canonical_url
from tests.ingest.conftest import RSS_HEADERS, article_html, rss
from tests.localserver import LocalServer

WORDS = [
    "council",
    "budget",
    "harbour",
    "school",
    "rail",
    "energy",
    "water",
    "housing",
    "court",
    "festival",
    "election",
    "hospital",
    "bridge",
    "museum",
    "farm",
    "port",
    "wind",
    "solar",
    "tram",
    "library",
]


def page_text(i: int, j: int) -> str:
    """Distinct text per article (the same text at two URLs would be folded into one)."""
    picks = " ".join(WORDS[(i * 7 + j * 3 + k) % len(WORDS)] for k in range(12))
    return (
        f"Report {i}-{j}: the city published figures on {picks}. Officials said item {j} of "
        f"desk {i} would be reviewed again next month, and residents were invited to comment."
    )


class NewsSite:
    def __init__(self, server: LocalServer, feeds: int, entries: int, reveal_s: float) -> None:
        self.server, self.n_feeds, self.n_entries, self.reveal_s = server, feeds, entries, reveal_s
        self.started = time.monotonic()
        self.epoch = datetime(2026, 1, 1, tzinfo=UTC)
        for i in range(feeds):
            server.add(f"/feeds/{i}.xml", self._feed(i))
            for j in range(entries):
                server.add(f"/news/{i}/{j}", self._page(i, j))

    def article_url(self, i: int, j: int) -> str:
        return self.server.url(f"/news/{i}/{j}")

    def all_article_urls(self) -> set[str]:
        """Canonical URLs of every article the site will ever list."""
        return {
            canonical_url(self.article_url(i, j))
            for i in range(self.n_feeds)
            for j in range(self.n_entries)
        }

    def feed_urls(self) -> dict[str, str]:
        return {f"desk-{i}": self.server.url(f"/feeds/{i}.xml") for i in range(self.n_feeds)}

    def fully_revealed(self) -> bool:
        return time.monotonic() - self.started >= self.n_entries * self.reveal_s

    def _feed(self, i: int):  # noqa: ANN202 - a route
        def route(h: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
            visible = min(
                self.n_entries, 1 + int((time.monotonic() - self.started) / self.reveal_s)
            )
            items = [
                {
                    "link": self.article_url(i, j),
                    "title": f"Desk {i} item {j}",
                    "guid": f"desk-{i}-item-{j}",
                    "date": format_datetime(self.epoch + timedelta(minutes=j), usegmt=True),
                }
                for j in range(visible)
            ]
            neighbour = (i + 1) % self.n_feeds
            items.append(
                {
                    "link": self.article_url(neighbour, 0) + "?utm_source=desk" + str(i),
                    "title": f"Desk {neighbour} item 0",
                }
            )
            return 200, RSS_HEADERS, rss(items, title=f"Desk {i}")

        return route

    def _page(self, i: int, j: int):  # noqa: ANN202 - a route
        body = article_html(f"Desk {i} item {j}", page_text(i, j))

        def route(h: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
            time.sleep(0.03)
            return 200, {"Content-Type": "text/html; charset=utf-8"}, body

        return route
