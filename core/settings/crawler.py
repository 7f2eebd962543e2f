"""Crawler settings: the `[crawler]` section of config.toml."""

from pydantic import Field

from core.settings_base import Section


class CrawlerSettings(Section):
    user_agent: str = Field(
        "storyloom/0.1 (+https://example.org/storyloom; newsdesk@example.org)",
        description="User-Agent sent with every request; name the service and a contact.",
    )
    connect_timeout_s: float = Field(5.0, gt=0, description="TCP/TLS connect timeout.")
    read_timeout_s: float = Field(15.0, gt=0, description="Timeout between two reads.")
    total_timeout_s: float = Field(30.0, gt=0, description="Whole-request deadline.")
    max_body_bytes: int = Field(
        5_000_000, gt=0, description="Body cap, enforced after decompression while streaming."
    )
    max_wire_bytes: int = Field(
        5_000_000, gt=0, description="Cap on bytes read from the wire, before decompression."
    )
    robots_ttl_s: float = Field(
        86_400.0, gt=0, description="How long a fetched robots.txt is trusted (per origin)."
    )
    robots_error_ttl_s: float = Field(
        3_600.0,
        gt=0,
        description="A robots.txt answering 5xx or unreachable disallows the origin this long.",
    )
    robots_max_bytes: int = Field(
        500_000, gt=0, description="robots.txt read up to this size (Google reads 500 KiB)."
    )
    throttle_enabled: bool = Field(
        True, description="Adapt each host's delay to its latency (Scrapy AutoThrottle)."
    )
    throttle_start_delay_s: float = Field(
        1.0, ge=0, description="Delay for a host before its latency has been seen."
    )
    throttle_target_concurrency: float = Field(
        1.0, gt=0, description="Requests the throttle aims to have in flight per host."
    )
    poll_jitter: float = Field(
        0.1, ge=0, lt=1, description="Poll intervals are stretched by up to this fraction."
    )
    backoff_jitter: float = Field(
        0.25, ge=0, lt=1, description="Error back-off varies by up to this fraction either way."
    )
    poll_min_history: int = Field(
        3, ge=2, description="Entry dates needed before the publish rhythm is trusted."
    )
    max_redirects: int = Field(5, ge=0, description="Redirects followed before giving up.")
    allow_hosts: list[str] = Field(
        default_factory=list,
        description="Hosts or networks (CIDR) allowed even if private/loopback, e.g. 127.0.0.1.",
    )
    max_concurrency: int = Field(16, gt=0, description="Requests in flight, all hosts together.")
    per_host_concurrency: int = Field(2, gt=0, description="Requests in flight to one host.")
    min_delay_s: float = Field(0.0, ge=0, description="Minimum delay between requests to a host.")
    max_delay_s: float = Field(30.0, ge=0, description="Ceiling of the adaptive per-host delay.")
    obey_robots: bool = Field(True, description="Honour robots.txt and its Crawl-delay.")
    poll_min_s: int = Field(300, gt=0, description="Shortest interval between polls of a feed.")
    poll_max_s: int = Field(86_400, gt=0, description="Longest interval between polls of a feed.")
    poll_default_s: int = Field(1800, gt=0, description="Interval for a feed with no history.")
    max_failures: int = Field(
        10, gt=0, description="Consecutive failures after which a feed is paused."
    )
    backoff_base_s: float = Field(60.0, gt=0, description="First retry delay after an error.")
    fetch_articles: bool = Field(True, description="Fetch each entry's page for full text.")
    min_text_chars: int = Field(
        200, ge=0, description="Shorter extracted text falls back to the feed summary."
    )
    workers: int = Field(
        2, gt=0, description="Worker threads for page extraction, off the fetching event loop."
    )
    fetch_lease_s: float = Field(
        120.0,
        gt=0,
        description="A claimed page fetch blocks other workers this long; after a crash its "
        "pages come back after it. Keep it above total_timeout_s plus extraction time.",
    )
    # --- the daemon (storyloom/daemon.py) ---
    daemon_tick_s: float = Field(
        1.0, gt=0, description="How often the daemon looks for due sources and pending pages."
    )
    daemon_process: bool = Field(
        True,
        description="Run the processing stages (NLP, embeddings, clustering, lenses, drafts) "
        "in the daemon; off gives an ingest-only daemon.",
    )
    process_every_s: float = Field(
        30.0,
        gt=0,
        description="The daemon runs a processing pass at least this often, and sooner when "
        "new articles were fetched.",
    )
    shutdown_grace_s: float = Field(
        10.0,
        ge=0,
        description="On SIGTERM/SIGINT in-flight fetches get this long to finish; what is "
        "left is handed back (claims released) for the next start.",
    )
    counters_flush_s: float = Field(
        5.0, gt=0, description="How often the daemon adds its counters to the store."
    )
    # --- parsing, extraction and language identification (ingest/feeds, extract, langid) ---
    lang_min_letters: int = Field(
        20, ge=0, description="Fewer letters than this: too little text to identify a language."
    )
    lang_max_chars: int = Field(
        5000, gt=0, description="Characters of text given to langdetect (the rest adds nothing)."
    )
    lang_tie_margin: float = Field(
        0.2,
        ge=0,
        le=1,
        description="The declared language wins when its probability is this close to the best.",
    )
    extract_include_comments: bool = Field(
        False, description="Keep reader comments in extracted article text."
    )
    extract_include_tables: bool = Field(
        True, description="Keep text inside <table> elements in extracted article text."
    )
    extract_favor_precision: bool = Field(
        True,
        description="trafilatura: prefer less text but surer main content (F1 0.958 -> 0.965 on "
        "the extraction benchmark).",
    )
    extract_favor_recall: bool = Field(
        False, description="trafilatura: prefer more text even when unsure."
    )
