"""results released once per wave, responses in a stored random order, invitations-only waves,
one successor per wave

Open waves are no longer tallied (they show participation only) and padded units are left out
of the tallies, so every tally is cleared and each wave is tallied again, once, the next time it
is read after its results are released. Each response gets a random sort key, so raw exports
list responses in an order that says nothing of when they came in. A wave has at most one
successor, so two `tick`s at once make one wave; where an earlier `tick` made several, the
oldest keeps the link.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 03:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TALLIES = ("comment_note", "answer_tally", "understanding_tally", "tally_mark")


def upgrade():
    with op.batch_alter_table("response") as batch:
        batch.add_column(sa.Column("shuffle", sa.Integer(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.text("UPDATE response SET shuffle = floor(random() * 2147483647)::int"))
    else:
        op.execute(sa.text("UPDATE response SET shuffle = abs(random() % 2147483647)"))
    with op.batch_alter_table("response") as batch:
        batch.alter_column("shuffle", existing_type=sa.Integer(), nullable=False)
    op.create_index("ix_response_wave_shuffle", "response", ["wave_id", "shuffle"])
    op.execute(
        sa.text(
            "UPDATE wave SET previous_id = NULL WHERE previous_id IS NOT NULL AND id > "
            "(SELECT min(w.id) FROM wave AS w WHERE w.previous_id = wave.previous_id)"
        )
    )
    with op.batch_alter_table("wave") as batch:
        batch.add_column(
            sa.Column(
                "invitations_only", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        batch.create_unique_constraint(op.f("uq_wave_previous_id"), ["previous_id"])
    for table in TALLIES:
        op.execute(sa.text(f"DELETE FROM {table}"))
    op.execute(sa.text("UPDATE wave SET tallies_final_for = NULL"))


def downgrade():
    with op.batch_alter_table("wave") as batch:
        batch.drop_constraint(op.f("uq_wave_previous_id"), type_="unique")
        batch.drop_column("invitations_only")
    op.drop_index("ix_response_wave_shuffle", table_name="response")
    with op.batch_alter_table("response") as batch:
        batch.drop_column("shuffle")
