"""The city behind the survey: its name, logo, responsible office, data protection officer, legal
basis, supervisory authority and legal notice, for the privacy notice and the legal notice.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "legal_details",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("municipality_name", sa.String(200), nullable=False),
        sa.Column("office_name", sa.String(300), nullable=False),
        sa.Column("office_address", sa.Text(), nullable=False),
        sa.Column("office_email", sa.String(254), nullable=False),
        sa.Column("office_phone", sa.String(100), nullable=False),
        sa.Column("dpo_contact", sa.Text(), nullable=False),
        sa.Column("dpo_email", sa.String(254), nullable=False),
        sa.Column("legal_basis", sa.String(32), nullable=False),
        sa.Column("legal_basis_text", sa.Text(), nullable=False),
        sa.Column("answer_retention", sa.Text(), nullable=False),
        sa.Column("supervisory_authority", sa.Text(), nullable=False),
        sa.Column("legal_notice", sa.Text(), nullable=False),
        sa.Column("logo", sa.LargeBinary(), nullable=True),
        sa.Column("logo_type", sa.String(32), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("legal_details")
