"""Review UI settings: the `[review]` section of config.toml."""

from pydantic import Field

from core.settings_base import Section


class ReviewSettings(Section):
    host: str = Field("127.0.0.1", description="Address the UI listens on.")
    port: int = Field(8765, gt=0, lt=65536, description="Port the UI listens on.")
    secret_key: str = Field(
        "", description="Signs session cookies; empty means a random key per start."
    )
    login_attempts_per_minute: int = Field(
        10, gt=0, description="Failed logins allowed per client IP and per username per minute."
    )
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
    max_field_chars: int = Field(
        20_000, gt=0, description="Longest text an editor may save into one draft field."
    )
