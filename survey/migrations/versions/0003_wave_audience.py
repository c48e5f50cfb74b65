"""A wave's audience: one unit and everything below it, or the whole organisation.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("wave", schema=None) as batch_op:
        batch_op.add_column(sa.Column("audience_unit_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_wave_audience_unit_id_unit"), "unit",
                                    ["audience_unit_id"], ["id"])


def downgrade():
    with op.batch_alter_table("wave", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_wave_audience_unit_id_unit"), type_="foreignkey")
        batch_op.drop_column("audience_unit_id")
