"""signals without a name or an address (DDAS v1.2), cases waiting for their address

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 14:30:00

A DDAS v1.2 `client` carries no name and either an address (postcode + huisnummer) or only a
BSN. `signals.surname`, `postcode` and `huisnummer` become nullable; a signal with only a BSN
has no household until a caseworker completes its address, so `signals.household_id` and
`cases.household_id` become nullable too (the case waits in state "address_unknown").
`signals.gender` keeps the v1.2 geslachtsaanduiding to deliver it back. A partial index finds
the waiting signals of a BSN without touching the others.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WAITING = "household_id IS NULL"


def upgrade() -> None:
    with op.batch_alter_table("signals", schema=None) as batch_op:
        batch_op.alter_column("surname", existing_type=sa.String(length=200), nullable=True)
        batch_op.alter_column("postcode", existing_type=sa.String(length=6), nullable=True)
        batch_op.alter_column("huisnummer", existing_type=sa.String(length=10), nullable=True)
        batch_op.alter_column("household_id", existing_type=sa.BigInteger(), nullable=True)
        batch_op.add_column(sa.Column("gender", sa.String(length=10), nullable=True))
        batch_op.create_index(
            "ix_signals_waiting_bsn",
            ["bsn"],
            unique=False,
            sqlite_where=sa.text(WAITING),
            postgresql_where=sa.text(WAITING),
        )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.alter_column("household_id", existing_type=sa.BigInteger(), nullable=True)


def downgrade() -> None:
    # Signals still waiting for an address cannot go back: the old schema has no place for them.
    bind = op.get_bind()
    waiting = bind.execute(sa.text("SELECT count(*) FROM signals WHERE household_id IS NULL"))
    if waiting.scalar_one():
        raise RuntimeError("signals without an address are stored: complete them first")
    op.execute("UPDATE signals SET surname = '' WHERE surname IS NULL")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.alter_column("household_id", existing_type=sa.BigInteger(), nullable=False)
    with op.batch_alter_table("signals", schema=None) as batch_op:
        batch_op.drop_index("ix_signals_waiting_bsn")
        batch_op.drop_column("gender")
        batch_op.alter_column("household_id", existing_type=sa.BigInteger(), nullable=False)
        batch_op.alter_column("huisnummer", existing_type=sa.String(length=10), nullable=False)
        batch_op.alter_column("postcode", existing_type=sa.String(length=6), nullable=False)
        batch_op.alter_column("surname", existing_type=sa.String(length=200), nullable=False)
