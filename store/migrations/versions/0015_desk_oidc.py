"""Desk users who log in through OpenID Connect

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 17:20:00

A desk user made by a single sign-on login is known by the provider's issuer and the
person's `sub` claim (the only identifier OpenID Connect promises never to reassign); such a
user has no password, so `password_hash` becomes nullable.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("desk_users") as batch:
        batch.add_column(sa.Column("oidc_issuer", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("oidc_subject", sa.String(length=255), nullable=True))
        batch.alter_column("password_hash", existing_type=sa.String(length=200), nullable=True)
        batch.create_unique_constraint(
            "uq_desk_users_oidc_subject", ["oidc_issuer", "oidc_subject"]
        )


def downgrade() -> None:
    # A user without a password cannot exist before 0015: such users are removed first
    # (their audit trail stays, it has no foreign keys).
    op.execute(
        "DELETE FROM desk_sessions WHERE user_id IN "
        "(SELECT id FROM desk_users WHERE password_hash IS NULL)"
    )
    op.execute("DELETE FROM desk_users WHERE password_hash IS NULL")
    with op.batch_alter_table("desk_users") as batch:
        batch.drop_constraint("uq_desk_users_oidc_subject", type_="unique")
        batch.alter_column("password_hash", existing_type=sa.String(length=200), nullable=False)
        batch.drop_column("oidc_subject")
        batch.drop_column("oidc_issuer")
