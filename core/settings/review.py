"""Review UI settings: the `[review]` section of config.toml."""

from pydantic import Field, field_validator

from core.settings_base import Section


class ReviewSettings(Section):
    host: str = Field("127.0.0.1", description="Address the UI listens on.")
    port: int = Field(8765, gt=0, lt=65536, description="Port the UI listens on.")
    secret_key: str = Field(
        "", description="Signs session cookies; empty means a random key per start."
    )
    login_attempts_per_minute: int = Field(
        10,
        gt=0,
        description="Failed logins allowed per minute for one username from one client address "
        "(a user elsewhere is not locked out).",
    )
    login_attempts_per_address_per_minute: int = Field(
        50,
        gt=0,
        description="Failed logins allowed per minute from one client address, all usernames "
        "together (slows password spraying).",
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Reverse proxies (IPs or CIDR networks) whose X-Forwarded-For names the "
        "client address; from anyone else the header is ignored.",
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        from core.netaddr import parse_networks  # the login limit's own parser

        parse_networks(value)
        return value

    session_max_age_s: int = Field(
        12 * 3600, gt=0, description="Seconds a login lasts before the editor signs in again."
    )
    cookie_secure: bool = Field(
        False, description="Mark the session cookie Secure (set it when served over HTTPS)."
    )
    page_size: int = Field(50, gt=0, le=500, description="Stories per page in the queue.")
    search_limit: int = Field(50, gt=0, le=500, description="Articles shown per search.")
    label_batch: int = Field(20, gt=0, le=200, description="Takes fetched per labelling round.")
    queue_cache_s: float = Field(
        15.0,
        ge=0,
        description=(
            "Seconds a queue page (filters, sorts, counts) is reused across editors; any "
            "editor's write clears it at once. 0 turns the cache off."
        ),
    )
    breaking_window_h: float = Field(
        3.0, gt=0, description="Hours of recent articles a story's velocity is measured over."
    )
    breaking_baseline_h: float = Field(
        24.0,
        gt=0,
        description="Hours before the window that give a story's own usual rate, and the "
        "hours over which the desk's rate (articles per active story per hour) is measured.",
    )
    breaking_ratio: float = Field(
        3.0,
        gt=1,
        description="A story is breaking when its velocity is this many times both its own "
        "earlier rate and the desk's rate.",
    )
    breaking_min_articles: int = Field(
        5, gt=0, description="Articles in the window a story needs before it can be breaking."
    )
    timeline_buckets: int = Field(
        48,
        ge=4,
        le=500,
        description="Most bars in a story's timeline (the bucket is the first round size, "
        "5 min to a week, that fits).",
    )
    sparkline_days: int = Field(
        14, ge=2, le=90, description="Days of fetch outcomes in each source's sparkline."
    )
    max_field_chars: int = Field(
        20_000, gt=0, description="Longest text an editor may save into one draft field."
    )
