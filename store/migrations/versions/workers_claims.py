"""Claims, shared host politeness, story versions, one active model.

One `claims` table holds every lease (article stages, lens predictions, drafts, source
polls), each with its own token and time, replacing the single `articles.claimed_at` that
every stage shared. `hosts` keeps per-host politeness so N crawlers are as polite as one.
`stories.version` is bumped by every writer of a story's clustering state, and
`story_members.seq` numbers placements store-wide, so consolidation finds the stories
touched since its last pass whichever worker placed them. A partial unique
index lets at most one model version be active.

Revision ID: workers1
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "workers1"
down_revision = "ops1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "claims",
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("stage", "item_id", name=op.f("pk_claims")),
    )
    op.create_table(
        "hosts",
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("next_start_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delay_s", sa.Float(), nullable=True),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("host", name=op.f("pk_hosts")),
    )
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_column("claimed_at")
    with op.batch_alter_table("stories", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("version", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("story_members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
    with op.batch_alter_table("model_versions", schema=None) as batch_op:
        batch_op.create_index(
            "uq_model_versions_one_active",
            ["active"],
            unique=True,
            postgresql_where=sa.text("active"),
            sqlite_where=sa.text("active"),
        )


def downgrade() -> None:
    with op.batch_alter_table("model_versions", schema=None) as batch_op:
        batch_op.drop_index("uq_model_versions_one_active")
    with op.batch_alter_table("story_members", schema=None) as batch_op:
        batch_op.drop_column("seq")
    with op.batch_alter_table("stories", schema=None) as batch_op:
        batch_op.drop_column("version")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
    op.drop_table("hosts")
    op.drop_table("claims")
