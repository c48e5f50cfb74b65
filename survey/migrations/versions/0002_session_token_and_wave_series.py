"""Session tokens that end sessions on sign-out; waves that follow one another in a series.

Revision ID: 0002
Revises: 0001
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    # Added nullable, filled with a fresh random token per existing user, then made required.
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_token", sa.String(length=64), nullable=True))
    users = sa.table("user", sa.column("id", sa.Integer), sa.column("session_token", sa.String))
    connection = op.get_bind()
    for (user_id,) in connection.execute(sa.select(users.c.id)).all():
        connection.execute(users.update().where(users.c.id == user_id)
                           .values(session_token=secrets.token_hex(16)))
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.alter_column("session_token", existing_type=sa.String(length=64),
                              nullable=False)

    with op.batch_alter_table("wave", schema=None) as batch_op:
        batch_op.add_column(sa.Column("previous_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_wave_previous_id_wave"), "wave",
                                    ["previous_id"], ["id"])


def downgrade():
    with op.batch_alter_table("wave", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_wave_previous_id_wave"), type_="foreignkey")
        batch_op.drop_column("previous_id")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("session_token")
