"""Telegram: link codes, guesses, stored updates

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 06:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('telegram_link_codes',
    sa.Column('id', ID, nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('case_id', ID, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('used_by_chat', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_telegram_link_codes_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_telegram_link_codes')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_telegram_link_codes_code_hash'))
    )
    with op.batch_alter_table('telegram_link_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_telegram_link_codes_case_id'), ['case_id'], unique=False)

    op.create_table('telegram_guesses',
    sa.Column('id', ID, nullable=False),
    sa.Column('chat_id', sa.String(length=40), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_telegram_guesses'))
    )
    with op.batch_alter_table('telegram_guesses', schema=None) as batch_op:
        batch_op.create_index('ix_telegram_guesses_chat_at', ['chat_id', 'at'], unique=False)

    op.create_table('telegram_updates',
    sa.Column('id', ID, nullable=False),
    sa.Column('update_id', sa.BigInteger(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=200), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_telegram_updates')),
    sa.UniqueConstraint('update_id', name=op.f('uq_telegram_updates_update_id'))
    )
    with op.batch_alter_table('telegram_updates', schema=None) as batch_op:
        batch_op.create_index('ix_telegram_updates_unhandled', ['id'], unique=False, sqlite_where=sa.text('handled_at IS NULL'), postgresql_where=sa.text('handled_at IS NULL'))

    op.create_table('telegram_sent',
    sa.Column('idempotency_key', sa.String(length=120), nullable=False),
    sa.Column('chat_id', sa.String(length=40), nullable=False),
    sa.Column('message_id', sa.BigInteger(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('idempotency_key', name=op.f('pk_telegram_sent'))
    )


def downgrade() -> None:
    op.drop_table('telegram_sent')
    with op.batch_alter_table('telegram_updates', schema=None) as batch_op:
        batch_op.drop_index('ix_telegram_updates_unhandled', sqlite_where=sa.text('handled_at IS NULL'), postgresql_where=sa.text('handled_at IS NULL'))
    op.drop_table('telegram_updates')
    with op.batch_alter_table('telegram_guesses', schema=None) as batch_op:
        batch_op.drop_index('ix_telegram_guesses_chat_at')
    op.drop_table('telegram_guesses')
    with op.batch_alter_table('telegram_link_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_telegram_link_codes_case_id'))
    op.drop_table('telegram_link_codes')
