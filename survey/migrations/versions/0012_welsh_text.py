"""Welsh text for questions, options and the definition; bilingual surveys

Revision ID: 0012
Revises: 0010
Create Date: 2026-11-26 06:30:00

Installations that already hold the default bank get its Welsh text where the English wording is
still the default one, so a bilingual survey of the default questions can launch at once.
"""

import sqlalchemy as sa
from alembic import op

from survey import bank

revision = "0012"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("question_version") as batch:
        batch.add_column(sa.Column("text_cy", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("hint_cy", sa.String(length=500), nullable=True))
    with op.batch_alter_table("option") as batch:
        batch.add_column(sa.Column("label_cy", sa.String(length=200), nullable=True))
    with op.batch_alter_table("definition") as batch:
        batch.add_column(sa.Column("text_cy", sa.Text(), nullable=True))
    with op.batch_alter_table("survey") as batch:
        batch.add_column(
            sa.Column("bilingual", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    _fill_default_welsh()


def _fill_default_welsh():
    """Give the default bank's untouched wording its Welsh text."""
    connection = op.get_bind()
    versions = "SELECT qv.id FROM question_version qv JOIN question q ON q.id = qv.question_id"
    for spec in bank.DEFAULT_QUESTIONS:
        connection.execute(
            sa.text(
                "UPDATE question_version SET text_cy = :cy, hint_cy = :hint_cy "
                f"WHERE text = :en AND id IN ({versions} WHERE lower(q.code) = :code)"
            ),
            {"cy": spec.text_cy, "hint_cy": spec.hint_cy or None, "en": spec.text, "code": spec.code},
        )
        for option in spec.options:
            connection.execute(
                sa.text(
                    'UPDATE "option" SET label_cy = :cy WHERE label = :en AND code = :option '
                    f"AND question_version_id IN ({versions} WHERE lower(q.code) = :code)"
                ),
                {"cy": option.label_cy, "en": option.label, "option": option.code, "code": spec.code},
            )
    connection.execute(
        sa.text("UPDATE definition SET text_cy = :cy WHERE text = :en"),
        {"cy": bank.DEFAULT_DEFINITION_CY, "en": bank.DEFAULT_DEFINITION},
    )


def downgrade():
    with op.batch_alter_table("survey") as batch:
        batch.drop_column("bilingual")
    with op.batch_alter_table("definition") as batch:
        batch.drop_column("text_cy")
    with op.batch_alter_table("option") as batch:
        batch.drop_column("label_cy")
    with op.batch_alter_table("question_version") as batch:
        batch.drop_column("hint_cy")
        batch.drop_column("text_cy")
