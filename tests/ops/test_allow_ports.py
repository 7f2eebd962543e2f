"""allow_hosts entries open a host or one port of it; the shipped config opens one port.

With `allow_hosts = ["127.0.0.1"]` an outlet could redirect the crawler to any local port
(the review UI, PostgreSQL). Now `127.0.0.1:8808` opens the sample server and nothing else.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from core.aio import run_sync
from core.config import ConfigError, load_config
from core.settings.crawler import CrawlerSettings
from ingest.fetch import Fetcher
from ingest.netguard import AllowList, GuardError, check_url, split_entry
from tests.ingest.conftest import FAST_CRAWLER
from tests.localserver import LocalServer

ROOT = Path(__file__).resolve().parents[2]


def test_entries_parse_with_and_without_ports() -> None:
    assert split_entry("127.0.0.1") == ("127.0.0.1", None)
    assert split_entry("127.0.0.1:8808") == ("127.0.0.1", 8808)
    assert split_entry("Feeds.Local.:80") == ("feeds.local", 80)
    assert split_entry("::1") == ("::1", None)
    assert split_entry("[::1]:8808") == ("::1", 8808)
    assert split_entry("10.0.0.0/8:443") == ("10.0.0.0/8", 443)
    for bad in ("127.0.0.1:0", "127.0.0.1:http", "[::1", ":80", "[::1]x"):
        with pytest.raises(ValueError):
            split_entry(bad)


def test_a_bad_entry_stops_the_config_naming_it(tmp_path) -> None:
    p = tmp_path / "config.toml"
    p.write_text('[crawler]\nallow_hosts = ["127.0.0.1:99999"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"allow_hosts.*port must be 1-65535"):
        load_config(p, environ={})


def test_ports_are_checked() -> None:
    allow = AllowList.parse(["127.0.0.1:8808", "[::1]:8808", "10.1.0.0/16:443", "intranet"])

    def ok(url: str) -> bool:
        try:
            run_sync(check_url(url, allow))
        except GuardError as e:
            assert e.code == "private_address"
            return False
        return True

    assert ok("http://127.0.0.1:8808/feeds/a.xml")
    assert not ok("http://127.0.0.1:8765/")  # the review UI
    assert not ok("http://127.0.0.1:5432/")  # PostgreSQL
    assert not ok("http://127.0.0.1/")  # port 80
    assert ok("http://[::1]:8808/") and not ok("http://[::1]:8765/")
    assert ok("https://10.1.2.3/") and not ok("http://10.1.2.3/")
    assert not ok("http://10.2.0.1/")


def test_the_shipped_config_opens_only_the_sample_port() -> None:
    cfg = load_config(ROOT / "config.toml", environ={})
    assert cfg.crawler.allow_hosts == ["127.0.0.1:8808"]
    allow = AllowList.parse(cfg.crawler.allow_hosts)
    for s in cfg.sources:  # every shipped source still passes the guard
        run_sync(check_url(s.url, allow))
        if s.site_url:
            run_sync(check_url(s.site_url, allow))
    for port in (cfg.review.port, 5432, 8809):
        with pytest.raises(GuardError, match=f"loopback address: refused .port {port};"):
            run_sync(check_url(f"http://127.0.0.1:{port}/", allow))


def test_a_redirect_to_another_local_port_is_refused() -> None:
    with LocalServer() as outlet, LocalServer() as internal:
        internal.add("/admin", (200, {"Content-Type": "text/plain"}, b"secret"))
        outlet.add("/robots.txt", (200, {"Content-Type": "text/plain"}, b"User-agent: *\n"))
        outlet.add("/ok", (200, {"Content-Type": "text/plain"}, b"fine"))
        outlet.add("/jump", (302, {"Location": internal.url("/admin")}, b""))
        settings = CrawlerSettings(**{**FAST_CRAWLER, "allow_hosts": [f"127.0.0.1:{outlet.port}"]})

        async def go() -> tuple:
            async with Fetcher(settings) as f:
                return await f.fetch(outlet.url("/ok")), await f.fetch(outlet.url("/jump"))

        ok, jump = run_sync(go())
    assert ok.ok and ok.body == b"fine"
    assert jump.error == "private_address", (jump.error, jump.detail)
    assert f"port {internal.port}" in jump.detail
    assert internal.hits.get("/admin") is None
