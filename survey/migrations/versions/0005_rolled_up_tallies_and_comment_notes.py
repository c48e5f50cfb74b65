"""rolled-up tallies, final tallies of closed waves, and comment notes

Tallies now hold each unit's figures including the units below it, so they are rebuilt: the
marks are cleared and the next read catches every wave up again.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 09:45:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "comment_note",
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("wave_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("sentiment", sa.Float(), nullable=False),
        sa.Column("shuffle", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["answer_id"], ["answer.id"], name=op.f("fk_comment_note_answer_id_answer")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_comment_note_unit_id_unit")
        ),
        sa.ForeignKeyConstraint(
            ["wave_id"], ["wave.id"], name=op.f("fk_comment_note_wave_id_wave")
        ),
        sa.PrimaryKeyConstraint("answer_id", name=op.f("pk_comment_note")),
    )
    op.create_index(
        "ix_comment_note_wave_unit", "comment_note", ["wave_id", "unit_id", "shuffle"]
    )
    with op.batch_alter_table("wave") as batch:
        batch.add_column(sa.Column("tallies_final_for", sa.DateTime(), nullable=True))
    for table in ("answer_tally", "understanding_tally", "tally_mark"):
        op.execute(sa.text(f"DELETE FROM {table}"))


def downgrade():
    with op.batch_alter_table("wave") as batch:
        batch.drop_column("tallies_final_for")
    op.drop_index("ix_comment_note_wave_unit", table_name="comment_note")
    op.drop_table("comment_note")
    for table in ("answer_tally", "understanding_tally", "tally_mark"):
        op.execute(sa.text(f"DELETE FROM {table}"))
