"""The city's district list reaches questionnaires and contact requests: a district's names in
further languages, the list a questionnaire version bound to it was stored or published with,
and the district a contact request names (optional).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-09
"""
from alembic import op
import sqlalchemy as sa

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("district") as batch:
        batch.add_column(sa.Column("names", sa.JSON(), nullable=True))
    with op.batch_alter_table("questionnaire_version") as batch:
        batch.add_column(sa.Column("districts", sa.JSON(), nullable=True))
    with op.batch_alter_table("contact_request") as batch:
        batch.add_column(sa.Column("district", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("contact_request") as batch:
        batch.drop_column("district")
    with op.batch_alter_table("questionnaire_version") as batch:
        batch.drop_column("districts")
    with op.batch_alter_table("district") as batch:
        batch.drop_column("names")
