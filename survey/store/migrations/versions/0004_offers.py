"""Districts and integration fields as data, the offer inventory, contact requests.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21
"""
from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "district",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(32), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("parent_code", sa.String(32), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
    )
    op.create_table(
        "integration_field",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(32), nullable=False, unique=True),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
    )
    op.create_table(
        "offer",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("provider_name", sa.String(300), nullable=False),
        sa.Column("provider_kind", sa.String(32), nullable=False),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("description", sa.JSON(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("city_wide", sa.Boolean(), nullable=False),
        sa.Column("districts", sa.JSON(), nullable=False),
        sa.Column("target_groups", sa.JSON(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("cost", sa.String(16), nullable=False),
        sa.Column("barrier_free", sa.Boolean(), nullable=True),
        sa.Column("opening_hours", sa.Text(), nullable=False),
        sa.Column("appointment_only", sa.Boolean(), nullable=False),
        sa.Column("childcare", sa.Boolean(), nullable=False),
        sa.Column("online", sa.Boolean(), nullable=False),
        sa.Column("phone_advice", sa.Boolean(), nullable=False),
        sa.Column("contact_phone", sa.String(100), nullable=False),
        sa.Column("contact_email", sa.String(254), nullable=False),
        sa.Column("contact_address", sa.String(500), nullable=False),
        sa.Column("website", sa.String(500), nullable=False),
        sa.Column("last_verified_on", sa.Date(), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("source_response_id", sa.Integer(), sa.ForeignKey("response.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_offer_status", "offer", ["status"])
    op.create_table(
        "contact_request",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("week_of", sa.Date(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("phone", sa.String(100), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("handled_on", sa.Date(), nullable=True),
        sa.Column("handled_by", sa.String(254), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("contact_request")
    op.drop_index("ix_offer_status", "offer")
    op.drop_table("offer")
    op.drop_table("integration_field")
    op.drop_table("district")
