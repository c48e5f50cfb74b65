"""one-time passwords that expire and must be replaced at first sign-in

Existing users keep the passwords they have: nothing expires and nobody is made to change.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 09:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user") as batch:
        batch.add_column(sa.Column("password_expires_at", sa.DateTime(), nullable=True))
        batch.add_column(
            sa.Column(
                "must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )


def downgrade():
    with op.batch_alter_table("user") as batch:
        batch.drop_column("must_change_password")
        batch.drop_column("password_expires_at")
