"""cases: a partial index for re-opening closed cases; the unused (state, priority) index goes

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 09:55:00

The intake asks, for a batch of households without an open case, which of them had a case
closed within the look-back window (it is re-opened). No index led with `household_id` for
closed cases, so that lookup read every closed case through the (state, priority) index — a
cost that grows with every case a municipality ever closed. A partial index on closed cases
answers it with one probe per household and costs the intake nothing (it never writes a
closed case).

(state, priority) served no other query: the plan pass orders new cases by priority through
(stage, priority), and listings sort all cases anyway. Each case the intake opens or
re-scores maintained it: measured ~4 µs of the server's CPU per case.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CLOSED = "state = 'closed'"


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_state_priority')
        batch_op.create_index(
            'ix_cases_closed_household',
            ['household_id', 'closed_at'],
            unique=False,
            sqlite_where=sa.text(CLOSED),
            postgresql_where=sa.text(CLOSED),
        )


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_closed_household')
        batch_op.create_index('ix_cases_state_priority', ['state', 'priority'], unique=False)
