"""import jobs run on the task queue: the upload each job reads, and how often it was started

A job now waits as "queued" until the worker picks it up; the worker retries once a job whose run
was cut off by a restart, so it counts the runs it started.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 09:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("import_job") as batch:
        batch.add_column(sa.Column("upload", sa.String(length=64), nullable=False, server_default=""))
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("import_job") as batch:
        batch.alter_column("upload", server_default=None)
        batch.alter_column("attempts", server_default=None)


def downgrade():
    with op.batch_alter_table("import_job") as batch:
        batch.drop_column("attempts")
        batch.drop_column("upload")
