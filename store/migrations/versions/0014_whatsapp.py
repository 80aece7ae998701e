"""WhatsApp: a case that fell back to SMS, and templates as last read from Twilio

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 17:20:00

`cases.sms_only` is set when Twilio says the resident's number cannot get WhatsApp; the
case's later steps then go by SMS. `whatsapp_templates` keeps each configured template's
approval status and body as last read from the Content API (for the desk's text page).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(
            sa.Column("sms_only", sa.Boolean(), server_default=sa.text("false"), nullable=False)
        )
    op.create_table(
        "whatsapp_templates",
        sa.Column("message_key", sa.String(length=80), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("content_sid", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("message_key", "locale", name=op.f("pk_whatsapp_templates")),
    )


def downgrade() -> None:
    op.drop_table("whatsapp_templates")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("sms_only")
