"""the desk: users, sessions, login attempts, audit log, the work queue's index

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 06:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.models

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
LIVE = "status IN ('open', 'claimed')"
CLAIMED = "status = 'claimed'"


def upgrade() -> None:
    op.create_table('desk_audit',
    sa.Column('id', ID, nullable=False),
    sa.Column('at', store.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('user_name', sa.String(length=80), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('case_id', ID, nullable=True),
    sa.Column('task_id', ID, nullable=True),
    sa.Column('detail', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_desk_audit'))
    )
    with op.batch_alter_table('desk_audit', schema=None) as batch_op:
        batch_op.create_index('ix_desk_audit_at', ['at'], unique=False)
        batch_op.create_index('ix_desk_audit_case', ['case_id'], unique=False)

    op.create_table('desk_login_attempts',
    sa.Column('id', ID, nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.Column('at', store.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_desk_login_attempts'))
    )
    with op.batch_alter_table('desk_login_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_desk_login_attempts_address_at', ['address', 'at'], unique=False)
        batch_op.create_index('ix_desk_login_attempts_name_at', ['name', 'at'], unique=False)

    op.create_table('desk_users',
    sa.Column('id', ID, nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', store.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_desk_users')),
    sa.UniqueConstraint('name', name=op.f('uq_desk_users_name'))
    )
    op.create_table('desk_sessions',
    sa.Column('id', ID, nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', ID, nullable=False),
    sa.Column('csrf_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', store.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', store.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', store.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['desk_users.id'], name=op.f('fk_desk_sessions_user_id_desk_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_desk_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_desk_sessions_token_hash'))
    )
    with op.batch_alter_table('desk_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_desk_sessions_user_id'), ['user_id'], unique=False)

    # The work queue: live tasks by priority (highest first), then due.
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.create_index('ix_tasks_queue', [sa.literal_column('priority DESC'), 'due', 'id'], unique=False, sqlite_where=sa.text(LIVE), postgresql_where=sa.text(LIVE))
        # "Mine": one caseworker's claimed tasks in queue order.
        batch_op.create_index('ix_tasks_claimed', ['claimed_by', sa.literal_column('priority DESC'), 'due', 'id'], unique=False, sqlite_where=sa.text(CLAIMED), postgresql_where=sa.text(CLAIMED))
    # The postcode-area filter of the work queue.
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.create_index('ix_households_postcode', ['postcode'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_index('ix_households_postcode')

    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_tasks_claimed', sqlite_where=sa.text(CLAIMED), postgresql_where=sa.text(CLAIMED))
        batch_op.drop_index('ix_tasks_queue', sqlite_where=sa.text(LIVE), postgresql_where=sa.text(LIVE))

    with op.batch_alter_table('desk_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_desk_sessions_user_id'))

    op.drop_table('desk_sessions')
    op.drop_table('desk_users')
    with op.batch_alter_table('desk_login_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_desk_login_attempts_name_at')
        batch_op.drop_index('ix_desk_login_attempts_address_at')

    op.drop_table('desk_login_attempts')
    with op.batch_alter_table('desk_audit', schema=None) as batch_op:
        batch_op.drop_index('ix_desk_audit_case')
        batch_op.drop_index('ix_desk_audit_at')

    op.drop_table('desk_audit')
