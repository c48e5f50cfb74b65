"""e-mail recipients per wave and the wave's reminder schedule

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-26 06:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("wave") as batch:
        batch.add_column(sa.Column("remind_days_before", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("reminded_for", sa.DateTime(), nullable=True))
    op.create_table(
        "recipient",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wave_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("link_key", sa.String(length=32), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=True),
        sa.Column("invite_status", sa.String(length=16), nullable=False),
        sa.Column("remind_status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("retry_at", sa.DateTime(), nullable=True),
        sa.Column("problem", sa.String(length=300), nullable=False),
        sa.Column("last_mailed_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["invitation_id"], ["invitation.id"], name="fk_recipient_invitation_id_invitation"
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name="fk_recipient_unit_id_unit"),
        sa.ForeignKeyConstraint(["wave_id"], ["wave.id"], name="fk_recipient_wave_id_wave"),
        sa.PrimaryKeyConstraint("id", name="pk_recipient"),
        sa.UniqueConstraint("invitation_id", name="uq_recipient_invitation_id"),
        sa.UniqueConstraint("wave_id", "email", name="uq_recipient_wave_id_email"),
    )
    op.create_index("ix_recipient_wave_status", "recipient", ["wave_id", "invite_status"])


def downgrade():
    op.drop_index("ix_recipient_wave_status", table_name="recipient")
    op.drop_table("recipient")
    with op.batch_alter_table("wave") as batch:
        batch.drop_column("reminded_for")
        batch.drop_column("remind_days_before")
