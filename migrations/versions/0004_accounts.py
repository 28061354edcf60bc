"""Accounts and roles, sign-in attempts, the change history, the export and unmask logs, and the
power filing's date and document number (先实施后备案).

Revision ID: 0004_accounts
Revises: 0003_rank_overrides
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004_accounts"
down_revision = "0003_rank_overrides"
branch_labels = None
depends_on = None


def _now() -> sa.TextClause:
    return sa.text("now()")


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.Text(), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=True),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("department", sa.Text(), nullable=True),
        sa.Column("township_code", sa.Text(), nullable=True),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("sso_identity", sa.Text(), nullable=True),
        sa.Column("disabled", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=True),
        sa.CheckConstraint("role IN ('admin', 'department', 'township', 'readonly')", name="ck_accounts_role"),
        sa.CheckConstraint("department IN ('transport', 'water', 'power', 'telecom', 'education', 'health', 'rural')",
                           name="ck_accounts_department"),
        sa.CheckConstraint("(role = 'department') = (department IS NOT NULL)", name="ck_accounts_department_role"),
        sa.CheckConstraint("role <> 'township' OR township_code IS NOT NULL", name="ck_accounts_township_role"),
        sa.CheckConstraint("role NOT IN ('admin', 'department') OR township_code IS NULL",
                           name="ck_accounts_township_scope"),
        sa.CheckConstraint("char_length(username) BETWEEN 2 AND 64 AND username !~ '\\s'",
                           name="ck_accounts_username"),
        sa.PrimaryKeyConstraint("id", name="pk_accounts"),
        sa.UniqueConstraint("username", name="uq_accounts_username"),
        sa.UniqueConstraint("sso_identity", name="uq_accounts_sso_identity"),
    )
    op.create_table(
        "sign_in_attempts",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("username", sa.Text(), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sign_in_attempts"),
    )
    op.create_index("ix_sign_in_attempts_user_time", "sign_in_attempts", ["username", "attempted_at"])
    op.create_table(
        "change_history",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("table_name", sa.Text(), nullable=False),
        sa.Column("record_id", sa.BigInteger(), nullable=False),
        sa.Column("field", sa.Text(), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("effective_on", sa.Date(), nullable=True),
        sa.Column("changed_by", sa.Text(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_change_history"),
    )
    op.create_index("ix_change_history_record", "change_history", ["table_name", "record_id", "id"])
    op.create_index("ix_change_history_field_time", "change_history", ["table_name", "field", "changed_at"])
    op.create_table(
        "export_log",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("exported_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column("username", sa.Text(), nullable=False),
        sa.Column("layers", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("filter_text", sa.Text(), nullable=False),
        sa.Column("fmt", sa.Text(), nullable=False),
        sa.Column("crs", sa.Text(), nullable=False),
        sa.Column("personal", sa.Boolean(), nullable=False),
        sa.Column("personal_fields", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("sha256", sa.Text(), nullable=False),
        sa.CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name="ck_export_log_sha256"),
        sa.PrimaryKeyConstraint("id", name="pk_export_log"),
    )
    op.create_table(
        "unmask_log",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column("username", sa.Text(), nullable=False),
        sa.Column("table_name", sa.Text(), nullable=False),
        sa.Column("record_id", sa.BigInteger(), nullable=False),
        sa.Column("fields", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.CheckConstraint("char_length(btrim(reason)) >= 2", name="ck_unmask_log_reason"),
        sa.PrimaryKeyConstraint("id", name="pk_unmask_log"),
    )
    op.add_column("power_lines", sa.Column("filed_on", sa.Date(), nullable=True))
    op.add_column("power_lines", sa.Column("filing_doc", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("power_lines", "filing_doc")
    op.drop_column("power_lines", "filed_on")
    op.drop_table("unmask_log")
    op.drop_table("export_log")
    op.drop_index("ix_change_history_field_time", table_name="change_history")
    op.drop_index("ix_change_history_record", table_name="change_history")
    op.drop_table("change_history")
    op.drop_index("ix_sign_in_attempts_user_time", table_name="sign_in_attempts")
    op.drop_table("sign_in_attempts")
    op.drop_table("accounts")
