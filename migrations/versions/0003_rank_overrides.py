"""The county office's 重点/一般 by hand (rank_overrides) and each task's own duration estimate
(est_days on every repairable layer, for the crew what-if).

Revision ID: 0003_rank_overrides
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_rank_overrides"
down_revision = "0002"
branch_labels = None
depends_on = None

REPAIRABLE = ("roads", "water_works", "power_lines", "pv_stations", "telecom_sites", "schools",
              "clinics")


def upgrade() -> None:
    op.create_table(
        "rank_overrides",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("layer", sa.Text(), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("importance", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("set_by", sa.Text(), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("importance IN ('重点', '一般')", name=op.f("ck_rank_overrides_importance")),
        sa.CheckConstraint("length(btrim(reason)) > 0", name=op.f("ck_rank_overrides_reason")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rank_overrides")),
        sa.UniqueConstraint("layer", "asset_id", name="uq_rank_overrides_asset"),
    )
    for table in REPAIRABLE:
        op.add_column(table, sa.Column("est_days", sa.Float(), nullable=True))
        op.create_check_constraint(f"ck_{table}_est_days", table, "est_days IS NULL OR est_days > 0")


def downgrade() -> None:
    for table in REPAIRABLE:
        op.drop_constraint(f"ck_{table}_est_days", table, type_="check")
        op.drop_column(table, "est_days")
    op.drop_table("rank_overrides")
