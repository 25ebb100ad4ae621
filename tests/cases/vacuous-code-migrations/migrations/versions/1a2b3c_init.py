"""init

Revision ID: 1a2b3c
"""
from alembic import op
import sqlalchemy as sa

revision = "1a2b3c"
down_revision = None


def upgrade():
    op.create_table("organizations", sa.Column("id", sa.Integer, primary_key=True))
