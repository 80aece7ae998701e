"""experiments and retention: variants, assignments, erasure log

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 06:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('experiment_assignments',
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('experiment', sa.String(length=60), nullable=False),
    sa.Column('variant', sa.String(length=60), nullable=False),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_experiment_assignments_case_id_cases')),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_experiment_assignments'))
    )
    op.create_index('ix_experiment_assignments_variant', 'experiment_assignments', ['experiment', 'variant'], unique=False)
    op.create_table('experiment_stops',
    sa.Column('experiment', sa.String(length=60), nullable=False),
    sa.Column('variant', sa.String(length=60), nullable=False),
    sa.Column('stopped_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('stopped_by', sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint('experiment', 'variant', name=op.f('pk_experiment_stops'))
    )
    op.create_table('erasures',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('requested_by', sa.String(length=80), nullable=True),
    sa.Column('case_ids', sa.JSON(), nullable=False),
    sa.Column('signals', sa.Integer(), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_erasures'))
    )
    # Which cases and signals retention or a data-subject request has erased already, so the
    # daily purge only looks at new work.
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('signals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('signals', schema=None) as batch_op:
        batch_op.drop_column('erased_at')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('erased_at')
    op.drop_table('erasures')
    op.drop_table('experiment_stops')
    op.drop_index('ix_experiment_assignments_variant', table_name='experiment_assignments')
    op.drop_table('experiment_assignments')
