"""The crawler's one guarded HTTP client: every fetch goes through `Fetcher.fetch`.

Each hop runs the same chain (Scrapy's downloader middlewares, as plain steps): scheme and
address check (netguard) -> robots.txt (robots) -> per-host politeness slot (politeness) ->
GET under connect/read/total timeouts -> redirect handling, or the body streamed through
our own decoders (decode) with a cap on wire bytes and one on decoded bytes.
Failures never raise: they come back as a FetchResult with a short `error` code and a
one-sentence `detail` the operator sees on the source or article.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import urljoin, urlsplit

import httpx

from core.settings.crawler import CrawlerSettings
from ingest.decode import DecodeError, StreamDecoder, parse_encodings
from ingest.hosts import SharedHosts
from ingest.netguard import AllowList, GuardError, check_url, guarded_transport
from ingest.politeness import Politeness
from ingest.robots import RobotsCache
from ingest.schedule import retry_after_s
from store.db import utcnow

logger = logging.getLogger(__name__)

ACCEPT_ENCODING = "gzip, deflate, br, zstd"
DEFAULT_ACCEPT = "*/*"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([^\"';\s]+)", re.IGNORECASE)


@dataclass
class FetchResult:
    url: str
    final_url: str
    status: int | None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    error: str | None = None
    detail: str | None = None
    elapsed_s: float = 0.0
    not_modified: bool = False
    wire_bytes: int = 0

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def content_type(self) -> str | None:
        value = self.headers.get("content-type", "").split(";")[0].strip().lower()
        return value or None

    @property
    def charset(self) -> str | None:
        match = _CHARSET.search(self.headers.get("content-type", ""))
        return match.group(1).lower() if match else None


class _Abort(Exception):
    """Ends a fetch with an error code; carries the response status/headers when one came."""

    def __init__(
        self, code: str, detail: str, status: int | None = None, headers: dict | None = None
    ):
        super().__init__(detail)
        self.code, self.detail, self.status, self.headers = code, detail, status, headers or {}


def _status_detail(status: int, reason: str) -> str:
    try:
        phrase = reason or HTTPStatus(status).phrase
    except ValueError:
        phrase = "unknown status"
    return f"HTTP {status} {phrase}"


class Fetcher:
    """One httpx.AsyncClient with guard, robots, politeness and caps; see module docstring.

    `transport` is for tests or special setups; without one the connection pool checks every
    resolved address again at connect time and connects to the checked IP (no DNS rebinding).
    """

    def __init__(
        self,
        settings: CrawlerSettings,
        transport: httpx.AsyncBaseTransport | None = None,
        shared: SharedHosts | None = None,
    ) -> None:
        self.settings = s = settings
        self.allow = AllowList.parse(s.allow_hosts)
        limits = httpx.Limits(
            max_connections=s.max_concurrency, max_keepalive_connections=s.max_concurrency
        )
        self._client = httpx.AsyncClient(
            transport=transport or guarded_transport(self.allow, limits),
            timeout=httpx.Timeout(
                connect=s.connect_timeout_s,
                read=s.read_timeout_s,
                write=s.read_timeout_s,
                pool=s.total_timeout_s,
            ),
            follow_redirects=False,
            trust_env=False,
            headers={"User-Agent": s.user_agent, "Accept-Encoding": ACCEPT_ENCODING},
        )
        self.politeness = Politeness(s, shared)
        self.robots = RobotsCache(s, self._fetch_robots)
        self.counters: dict[str, float] = defaultdict(float)

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str | None = None,
        check_robots: bool = True,
    ) -> FetchResult:
        """GET `url`; never raises for network or content problems (see FetchResult.error)."""
        headers = {"Accept": accept or DEFAULT_ACCEPT}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        robots = check_robots and self.settings.obey_robots
        return await self._fetch(url, headers, robots, self.settings.max_body_bytes)

    async def _fetch_robots(self, url: str) -> FetchResult:
        headers = {"Accept": "text/plain, */*"}
        return await self._fetch(url, headers, False, self.settings.robots_max_bytes)

    async def _fetch(
        self, url: str, headers: dict[str, str], robots: bool, cap: int
    ) -> FetchResult:
        start = time.monotonic()
        try:
            result = await self._follow(url, headers, robots, cap)
        except _Abort as exc:
            result = FetchResult(url, url, exc.status, exc.headers, error=exc.code)
            result.detail = exc.detail
            result.final_url = getattr(exc, "final_url", url)
        result.elapsed_s = time.monotonic() - start
        self._count(result)
        logger.info(
            "fetch",
            extra={
                "url": url,
                "final_url": result.final_url,
                "status": result.status,
                "error": result.error,
                "detail": result.detail,
                "bytes": len(result.body),
                "wire_bytes": result.wire_bytes,
                "not_modified": result.not_modified,
                "elapsed_s": round(result.elapsed_s, 4),
            },
        )
        return result

    async def _follow(
        self, url: str, headers: dict[str, str], robots: bool, cap: int
    ) -> FetchResult:
        """Follow redirects by hand so each hop is checked like the first."""
        current, seen = url, {url}
        remaining = self.settings.total_timeout_s
        for _hop in range(self.settings.max_redirects + 1):
            try:
                result, location, spent = await self._hop(current, headers, robots, cap, remaining)
            except _Abort as exc:
                exc.final_url = current  # type: ignore[attr-defined]
                raise
            remaining -= spent
            if location is None:
                result.url = url
                return result
            nxt = urljoin(current, location)
            if nxt in seen:
                raise _Abort(
                    "redirect_loop",
                    f"redirect loop: {current} points back to {nxt}",
                    result.status,
                    result.headers,
                )
            seen.add(nxt)
            current = nxt
        raise _Abort(
            "too_many_redirects",
            f"more than {self.settings.max_redirects} redirects; gave up at {current}",
        )

    async def _hop(
        self, url: str, headers: dict[str, str], robots: bool, cap: int, remaining: float
    ) -> tuple[FetchResult, str | None, float]:
        """One request: (result, redirect Location or None, network seconds spent)."""
        try:
            await check_url(url, self.allow)
        except GuardError as exc:
            raise _Abort(exc.code, exc.detail) from None
        host = urlsplit(url).hostname or ""
        if robots:
            allowed, crawl_delay, entry = await self.robots.check(url)
            self.politeness.set_crawl_delay(host, crawl_delay)
            if not allowed:
                if entry.reason == "parsed":
                    why = "robots.txt disallows it for our user agent"
                else:
                    ttl = self.settings.robots_error_ttl_s
                    why = f"robots.txt {entry.reason}, so the site is left alone for {ttl:g}s"
                # unreachable robots.txt: report the network error itself (connect, timeout...)
                raise _Abort(entry.error or "robots", f"not fetched: {why} ({url})")
        async with self.politeness.slot(host):
            t0 = time.monotonic()
            status: int | None = None
            try:
                async with asyncio.timeout(max(remaining, 0.0)):
                    async with self._client.stream("GET", url, headers=headers) as resp:
                        status = resp.status_code
                        self.politeness.record(host, time.monotonic() - t0, status)
                        if status in (429, 503):
                            wait = retry_after_s(resp.headers, utcnow())
                            if wait:
                                await self.politeness.block(host, wait)
                        result, location = await self._answer(url, resp, cap)
            except TimeoutError:
                self.politeness.record(host, time.monotonic() - t0, status)
                raise _Abort(
                    "timeout",
                    f"no complete answer from {host} within the "
                    f"{self.settings.total_timeout_s:g}s total timeout",
                    status,
                ) from None
            except httpx.HTTPError as exc:
                self.politeness.record(host, time.monotonic() - t0, status)
                raise self._transport_error(exc, host, status) from None
            except GuardError as exc:  # raised at connect time by the guarded pool
                raise _Abort(exc.code, exc.detail) from None
        return result, location, time.monotonic() - t0

    async def _answer(
        self, url: str, resp: httpx.Response, cap: int
    ) -> tuple[FetchResult, str | None]:
        status = resp.status_code
        headers = {k.lower(): v for k, v in resp.headers.items()}
        result = FetchResult(url, url, status, headers)
        if status in REDIRECT_STATUSES:
            location = headers.get("location", "").strip()
            if not location:
                raise _Abort(
                    "http_status", f"HTTP {status} redirect without Location", status, headers
                )
            return result, location
        if status == 304:
            result.not_modified = True
            return result, None
        if not 200 <= status < 300:
            raise _Abort("http_status", _status_detail(status, resp.reason_phrase), status, headers)
        result.body, result.wire_bytes = await self._read_body(resp, cap, headers)
        return result, None

    async def _read_body(
        self, resp: httpx.Response, cap: int, headers: dict[str, str]
    ) -> tuple[bytes, int]:
        """Stream, count wire bytes and decode with the cap applied after decompression."""
        status, wire_cap = resp.status_code, self.settings.max_wire_bytes
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > wire_cap:
            raise _Abort(
                "too_large",
                f"Content-Length {int(declared):,} exceeds the {wire_cap:,}-byte wire cap",
                status,
                headers,
            )
        try:
            decoder = StreamDecoder(parse_encodings(headers.get("content-encoding")), cap)
            body, wire = bytearray(), 0
            async for chunk in resp.aiter_raw():
                wire += len(chunk)
                if wire > wire_cap:
                    raise _Abort(
                        "too_large", f"body exceeds the {wire_cap:,}-byte wire cap", status, headers
                    )
                body += decoder.feed(chunk)
            body += decoder.finish()
        except DecodeError as exc:
            raise _Abort(exc.code, exc.detail, status, headers) from None
        except httpx.RemoteProtocolError as exc:
            raise _Abort(
                "truncated",
                f"connection closed before the body was complete ({exc})",
                status,
                headers,
            ) from None
        return bytes(body), wire

    def _transport_error(self, exc: httpx.HTTPError, host: str, status: int | None) -> _Abort:
        s = self.settings
        if isinstance(exc, httpx.ConnectTimeout):
            return _Abort("timeout", f"connecting to {host} took over {s.connect_timeout_s:g}s")
        if isinstance(exc, httpx.ReadTimeout):
            return _Abort("timeout", f"{host} sent nothing for {s.read_timeout_s:g}s", status)
        if isinstance(exc, httpx.TimeoutException):
            return _Abort("timeout", f"{type(exc).__name__} talking to {host}", status)
        if isinstance(exc, httpx.ConnectError):
            return _Abort("connect", f"cannot connect to {host}: {exc or type(exc).__name__}")
        if isinstance(exc, httpx.RemoteProtocolError):
            return _Abort("protocol", f"{host} broke the HTTP protocol: {exc}", status)
        if isinstance(exc, (httpx.InvalidURL, httpx.UnsupportedProtocol)):
            return _Abort("bad_url", f"URL refused by the HTTP client: {exc}")
        return _Abort("network", f"{type(exc).__name__} talking to {host}: {exc}", status)

    def _count(self, result: FetchResult) -> None:
        c = self.counters
        c["fetches_total"] += 1
        c[f"fetch_status_{result.status // 100}xx" if result.status else "fetch_status_none"] += 1
        if result.status:
            c[f"fetch_http_{result.status}"] += 1
        c["fetch_bytes_wire"] += result.wire_bytes
        c["fetch_bytes_decoded"] += len(result.body)
        if result.not_modified:
            c["fetch_not_modified"] += 1
        if result.error:
            c[f"fetch_errors_{result.error}"] += 1
