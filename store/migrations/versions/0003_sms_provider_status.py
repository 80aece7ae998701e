"""SMS through Twilio: provider status on the outbox

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 06:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The provider's own view of an outbound message, written by delivery status callbacks.
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('provider_status', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('provider_error', sa.String(length=20), nullable=True))
        batch_op.add_column(
            sa.Column('provider_status_at', sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('provider_status_at')
        batch_op.drop_column('provider_error')
        batch_op.drop_column('provider_status')
