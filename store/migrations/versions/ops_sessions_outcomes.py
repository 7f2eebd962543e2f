"""server-side sessions and per-day fetch outcomes

Revision ID: ops1
Revises: 0001
"""

from alembic import op
import sqlalchemy as sa


revision = "ops1"
down_revision = "drafts1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
    )
    op.create_index("ix_sessions_user_id", "sessions", ["user_id"])
    op.create_table(
        "fetch_outcomes",
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("source_id", "day", "kind", name=op.f("pk_fetch_outcomes")),
    )


def downgrade() -> None:
    op.drop_table("fetch_outcomes")
    op.drop_index("ix_sessions_user_id", table_name="sessions")
    op.drop_table("sessions")
