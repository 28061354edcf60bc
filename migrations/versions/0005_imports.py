"""Imports: the import log (file SHA-256, who, when, counts) and saved column mappings per bureau.

Revision ID: 0005_imports
Revises: 0004_accounts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005_imports"
down_revision = "0004_accounts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("layer", sa.Text(), nullable=False),
        sa.Column("source_name", sa.Text(), nullable=False),
        sa.Column("source_table", sa.Text(), nullable=True),
        sa.Column("sha256", sa.Text(), nullable=False),
        sa.Column("fmt", sa.Text(), nullable=False),
        sa.Column("bureau", sa.Text(), nullable=True),
        sa.Column("imported_by", sa.Text(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("rows_read", sa.Integer(), server_default="0", nullable=False),
        sa.Column("inserted", sa.Integer(), server_default="0", nullable=False),
        sa.Column("updated", sa.Integer(), server_default="0", nullable=False),
        sa.Column("unchanged", sa.Integer(), server_default="0", nullable=False),
        sa.Column("deleted", sa.Integer(), server_default="0", nullable=False),
        sa.Column("app_edits_kept", sa.Integer(), server_default="0", nullable=False),
        sa.Column("app_edits_overwritten", sa.Integer(), server_default="0", nullable=False),
        sa.Column("crs", sa.Text(), nullable=True),
        sa.Column("encoding", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name=op.f("ck_import_log_sha256")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_log")),
    )
    op.create_index("ix_import_log_layer_imported_at", "import_log", ["layer", "imported_at"], unique=False)
    op.create_index("ix_import_log_layer_sha256", "import_log", ["layer", "sha256"], unique=False)
    op.create_table(
        "import_mappings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("bureau", sa.Text(), nullable=False),
        sa.Column("layer", sa.Text(), nullable=False),
        sa.Column("columns", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("value_map", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("saved_by", sa.Text(), nullable=True),
        sa.Column("saved_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_mappings")),
        sa.UniqueConstraint("bureau", "layer", name="uq_import_mappings_bureau_layer"),
    )


def downgrade() -> None:
    op.drop_table("import_mappings")
    op.drop_index("ix_import_log_layer_sha256", table_name="import_log")
    op.drop_index("ix_import_log_layer_imported_at", table_name="import_log")
    op.drop_table("import_log")
