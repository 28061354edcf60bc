"""Villages' centre point: a GIST index and the SRID check every other geometry column has.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("idx_villages_centre", "villages", ["centre"], unique=False,
                    postgresql_using="gist")
    op.create_check_constraint("ck_villages_centre_srid", "villages",
                               "centre IS NULL OR ST_SRID(centre) = 4490")


def downgrade() -> None:
    op.drop_constraint("ck_villages_centre_srid", "villages", type_="check")
    op.drop_index("idx_villages_centre", table_name="villages", postgresql_using="gist")
