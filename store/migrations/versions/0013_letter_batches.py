"""letters by post: daily print batches

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 16:00:00

A letter is an outbox row with `channel = "letter"`; `letter_batches` are the PDFs made for
the printer (kept, so an unconfirmed batch downloads again byte for byte the same), and
`letter_batch_items` which letters each holds, in order.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "letter_batches",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("made_by", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("letters", sa.Integer(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=True),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letter_batches")),
    )
    op.create_table(
        "letter_batch_items",
        sa.Column("batch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("outbox_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["letter_batches.id"], name=op.f("fk_letter_batch_items_batch_id_letter_batches")
        ),
        sa.ForeignKeyConstraint(
            ["outbox_id"], ["outbox.id"], name=op.f("fk_letter_batch_items_outbox_id_outbox")
        ),
        sa.PrimaryKeyConstraint("batch_id", "outbox_id", name=op.f("pk_letter_batch_items")),
    )
    op.create_index(
        op.f("ix_letter_batch_items_outbox_id"), "letter_batch_items", ["outbox_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_letter_batch_items_outbox_id"), table_name="letter_batch_items")
    op.drop_table("letter_batch_items")
    op.drop_table("letter_batches")
