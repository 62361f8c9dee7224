"""Logins from a browser that logged in before (a device cookie) count apart from unknown ones,
so guessing from elsewhere cannot lock the account's owner out; what happened since the last
login is told at the next one.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff_user") as batch:
        batch.add_column(sa.Column("trusted_failed_logins", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("trusted_locked_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("failed_since_login", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("locked_since_login", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("staff_user") as batch:
        for column in ("locked_since_login", "failed_since_login", "trusted_locked_until", "trusted_failed_logins"):
            batch.drop_column(column)
