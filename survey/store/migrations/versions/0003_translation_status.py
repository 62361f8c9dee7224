"""Translation status: the source text (hash) each translation was made against.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""
from alembic import op
import sqlalchemy as sa

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "translation_status",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("questionnaire_id", sa.Integer(), sa.ForeignKey("questionnaire.id"), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("source_hash", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("questionnaire_id", "language", "key"),
    )
    op.create_index("ix_translation_status_questionnaire_id", "translation_status", ["questionnaire_id"])


def downgrade() -> None:
    op.drop_index("ix_translation_status_questionnaire_id", "translation_status")
    op.drop_table("translation_status")
