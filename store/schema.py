"""The database schema, in SQLAlchemy Core.

Alembic migrations in store/migrations build exactly this; a test checks they agree.
Every stage keeps its state in rows, so the daemon can stop anywhere and resume:
an article carries one status per stage (pending / done / error / skipped) and its last error.
"""

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# Stage status values.
PENDING, DONE, ERROR, SKIPPED = "pending", "done", "error", "skipped"
STAGES = ("fetch", "nlp", "embed", "cluster")

sources = Table(
    "sources",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("kind", String(10), nullable=False, default="feed"),  # feed | url
    Column("url", Text, nullable=False),
    Column("site_url", Text),
    Column("country", String(8)),
    Column("language", String(16)),
    Column("default_lens", String(100)),
    Column("origin", String(10), nullable=False, default="config"),  # config | cli
    Column("paused", Boolean, nullable=False, default=False),
    Column("paused_reason", Text),
    Column("disabled", Boolean, nullable=False, default=False),  # e.g. HTTP 410
    # Fetch state (conditional GET, schedule, health).
    Column("etag", Text),
    Column("last_modified", Text),
    Column("last_fetch_at", DateTime(timezone=True)),
    Column("last_status", Integer),
    Column("last_error", Text),
    Column("error_count", Integer, nullable=False, default=0),
    Column("next_poll_at", DateTime(timezone=True)),
    Column("interval_s", Integer),
    Column("bozo", Text),  # the parser's warning for an ill-formed feed
    Column("stats", JSON),  # counters: fetches, bytes, not_modified, entries...
    Column("created_at", DateTime(timezone=True), nullable=False),
)

articles = Table(
    "articles",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("canonical_url", Text, nullable=False, unique=True),
    Column("url", Text, nullable=False),
    Column("guid", Text),
    Column("source_id", Integer, ForeignKey("sources.id")),
    Column("source_name", String(200)),  # outlet when no configured source (imports)
    Column("title", Text),
    Column("text", Text),
    Column("feed_summary", Text),
    Column("author", Text),
    Column("published_at", DateTime(timezone=True)),
    Column("site_name", Text),
    Column("region", String(16)),
    Column("lang", String(16)),
    Column("lang_confidence", Float),
    Column("extraction", String(20)),  # page | feed_summary | import | title_only
    Column("content_hash", String(64)),
    Column("fetch_status", String(10), nullable=False, default=PENDING),
    Column("nlp_status", String(10), nullable=False, default=PENDING),
    Column("embed_status", String(10), nullable=False, default=PENDING),
    Column("cluster_status", String(10), nullable=False, default=PENDING),
    Column("attempts", Integer, nullable=False, default=0),
    Column("error_stage", String(10)),
    Column("last_error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_articles_guid", "guid"),
    Index("ix_articles_content_hash", "content_hash"),
    Index("ix_articles_published_at", "published_at"),
    Index("ix_articles_source_id", "source_id"),
)

# Other URLs under which the same article was seen (two feeds, syndication).
article_urls = Table(
    "article_urls",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    Column("url", Text, nullable=False, unique=True),
    Column("source_id", Integer, ForeignKey("sources.id")),
)

# Articles an editor deleted or rejected: never ingested again.
tombstones = Table(
    "tombstones",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", Text, nullable=False, unique=True),  # canonical URL or "guid:<guid>"
    Column("reason", Text),
    Column("user_id", Integer, ForeignKey("users.id")),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

analyses = Table(
    "analyses",
    metadata,
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("model", String(100), nullable=False),
    Column("pipeline_version", String(40), nullable=False),
    Column("text_hash", String(64), nullable=False),
    Column("status", String(20), nullable=False),  # ok | no_ner | empty | truncated | garbage
    Column("note", Text),
    Column("data", JSON, nullable=False),  # sentences, entities, facts, times, quotes
    Column("created_at", DateTime(timezone=True), nullable=False),
)

embeddings = Table(
    "embeddings",
    metadata,
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("model", String(200), primary_key=True),
    Column("text_hash", String(64), nullable=False),
    Column("dim", Integer, nullable=False),
    Column("vector", LargeBinary, nullable=False),  # float32, L2-normalised
    Column("created_at", DateTime(timezone=True), nullable=False),
)

sentence_vectors = Table(
    "sentence_vectors",  # drafts: each article's candidate sentences, embedded once
    metadata,
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("model", String(200), primary_key=True),
    Column("text_hash", String(64), nullable=False),  # of the sentences, so edits redo it
    Column("dim", Integer, nullable=False),
    Column("texts", JSON, nullable=False),  # the sentences, in row order of `vectors`
    Column("vectors", LargeBinary, nullable=False),  # float32 (n, dim), L2-normalised
    Column("created_at", DateTime(timezone=True), nullable=False),
)

stories = Table(
    "stories",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("slug", String(200), nullable=False, unique=True),
    Column("title", Text),
    Column("status", String(20), nullable=False, default="open"),  # open|approved|merged
    Column("merged_into", Integer, ForeignKey("stories.id")),
    Column("n_articles", Integer, nullable=False, default=0),
    Column("n_sources", Integer, nullable=False, default=0),
    Column("first_seen_at", DateTime(timezone=True)),
    Column("last_article_at", DateTime(timezone=True)),
    Column("state", JSON),  # the clusterer's live-story state (centroid, entities, ...)
    Column("dirty", Boolean, nullable=False, default=True),  # draft needs a rebuild
    # Bumped by every write of the story's members or state (cluster stage, consolidation,
    # editor operations): writers check it, and a draft built from an older version is redone.
    Column("version", Integer, nullable=False, default=0, server_default="0"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_stories_last_article_at", "last_article_at"),
)

story_members = Table(
    "story_members",
    metadata,
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("story_id", Integer, ForeignKey("stories.id"), nullable=False),
    Column("assigned_by", String(20), nullable=False),  # algorithm | editor
    Column("score", Float),
    Column("user_id", Integer, ForeignKey("users.id")),
    Column("assigned_at", DateTime(timezone=True), nullable=False),
    # The store-wide placement number (cluster stage): stories touched since a consolidation.
    Column("seq", Integer),
    Index("ix_story_members_story_id", "story_id"),
)

# Generated drafts, one row per rebuild; editors' fields live in draft_edits.
draft_versions = Table(
    "draft_versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("story_id", Integer, ForeignKey("stories.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("data", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("story_id", "version", name="uq_draft_versions_story_version"),
)

draft_edits = Table(
    "draft_edits",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("story_id", Integer, ForeignKey("stories.id"), nullable=False),
    Column("field", String(100), nullable=False),  # headline, dek, summary, why, watch, ...
    Column("value", JSON),
    Column("state", String(20), nullable=False, default="edited"),  # edited | approved
    Column("user_id", Integer, ForeignKey("users.id")),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("story_id", "field", name="uq_draft_edits_story_field"),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(100), nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),
    Column("role", String(20), nullable=False, default="editor"),  # editor | admin
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Editor labels: lens of a take, and cluster decisions (move/split/merge) as examples.
labels = Table(
    "labels",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(20), nullable=False),  # lens | cluster
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE")),
    Column("story_id", Integer, ForeignKey("stories.id")),
    Column("value", Text, nullable=False),
    Column("detail", JSON),
    Column("user_id", Integer, ForeignKey("users.id")),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_labels_kind_article", "kind", "article_id"),
)

lens_predictions = Table(
    "lens_predictions",
    metadata,
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("model_version", String(40), nullable=False),
    Column("lens", String(100), nullable=False),
    Column("confidence", Float, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

model_versions = Table(
    "model_versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", String(40), nullable=False, unique=True),
    Column("path", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("metrics", JSON),
    Column("n_labels", Integer, nullable=False),
    Column("label_snapshot", JSON),
    Column("active", Boolean, nullable=False, default=False),
    Column("note", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # Exactly one active model, enforced by the store, not by the code that promotes.
    Index(
        "uq_model_versions_one_active",
        "active",
        unique=True,
        postgresql_where=text("active"),
        sqlite_where=text("active"),
    ),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id")),
    Column("action", String(50), nullable=False),
    Column("target_type", String(30)),
    Column("target_id", Integer),
    Column("detail", JSON),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_audit_log_target", "target_type", "target_id"),
)

# When an editor last looked at a story: "new since your last look".
story_views = Table(
    "story_views",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id"), primary_key=True),
    Column("story_id", Integer, ForeignKey("stories.id"), primary_key=True),
    Column("seen_at", DateTime(timezone=True), nullable=False),
    Column("draft_version", Integer),
)

# Daemon counters, for /metrics.
counters = Table(
    "counters",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("value", Float, nullable=False, default=0),
)

# Login sessions, kept server-side so logout, a password change or `user remove` ends them;
# the cookie carries only the token, whose SHA-256 is the id (a leaked table is no login).
sessions = Table(
    "sessions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Index("ix_sessions_user_id", "user_id"),
)

# Fetch outcomes per source, day and kind (ok, not_modified, http_429, robots, refused,
# error...), for /metrics and the Sources page's sparkline. source_id 0: single URLs.
fetch_outcomes = Table(
    "fetch_outcomes",
    metadata,
    Column("source_id", Integer, primary_key=True),
    Column("day", String(10), primary_key=True),  # YYYY-MM-DD, UTC
    Column("kind", String(30), primary_key=True),
    Column("n", Integer, nullable=False, default=0),
)

# Leases: one row per claimed unit of work (an article in a stage, a story's draft, a source
# poll). `token` proves the claim: only its holder may finish it; an expired row is free again.
claims = Table(
    "claims",
    metadata,
    Column("stage", String(20), primary_key=True),
    Column("item_id", Integer, primary_key=True),
    Column("token", String(32), nullable=False),
    Column("claimed_at", DateTime(timezone=True), nullable=False),
)

# Per-host politeness shared by every crawler: when the next request may start, the adaptive
# delay, and a Retry-After/backoff block.
hosts = Table(
    "hosts",
    metadata,
    Column("host", String(255), primary_key=True),
    Column("next_start_at", DateTime(timezone=True)),
    Column("delay_s", Float),
    Column("blocked_until", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True)),
)
