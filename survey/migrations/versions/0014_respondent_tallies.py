"""respondents per question in the tallies; the roll-ups are rebuilt to fill them

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-26 15:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# The roll-ups are derived data. Emptied, each wave's are built again, with its respondents per
# question, on its first read (an import's on its return), so no wave keeps counts without them.
DERIVED = ("answer_tally", "understanding_tally", "comment_note", "tally_mark")


def upgrade():
    op.create_table(
        "respondent_tally",
        sa.Column("wave_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("question_version_id", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_version_id"],
            ["question_version.id"],
            name=op.f("fk_respondent_tally_question_version_id_question_version"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_respondent_tally_unit_id_unit")
        ),
        sa.ForeignKeyConstraint(
            ["wave_id"], ["wave.id"], name=op.f("fk_respondent_tally_wave_id_wave")
        ),
        sa.PrimaryKeyConstraint(
            "wave_id", "unit_id", "question_version_id", name=op.f("pk_respondent_tally")
        ),
    )
    for table in DERIVED:
        op.execute(sa.text(f"DELETE FROM {table}"))
    op.execute(sa.text("UPDATE wave SET tallies_final_for = NULL"))


def downgrade():
    op.drop_table("respondent_tally")
