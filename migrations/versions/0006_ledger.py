"""The household problem ledger (问题台账): problems with their verification photos, and households
changed under optimistic locking (version, updated_by).

A database that already holds households gets one 待处理 problem per raised risk flag (with its
history row), so the ledger starts with every risk point the flags said was open — from then on
the ledger keeps the flags (layers.ledger.sync_flag).

Revision ID: 0006_ledger
Revises: 0005_imports
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006_ledger"
down_revision = "0005_imports"
branch_labels = None
depends_on = None

# The flags and the problem kinds they become (layers.vocabularies.KIND_FLAG at this revision).
FLAGS = (("food", "risk_food"), ("clothing", "risk_clothing"), ("education", "risk_education"),
         ("medical", "risk_medical"), ("housing", "risk_housing"), ("water", "risk_water"))
WHO = "迁移 0006_ledger"


def _now() -> sa.TextClause:
    return sa.text("now()")


def upgrade() -> None:
    op.add_column("households", sa.Column("version", sa.Integer(), server_default="1", nullable=False))
    op.add_column("households", sa.Column("updated_by", sa.Text(), nullable=True))
    op.create_check_constraint("ck_households_version", "households", "version >= 1")
    _problems()
    op.create_index("ix_problems_causes", "problems", ["causes"], postgresql_using="gin")
    op.create_index("ix_problems_state_due", "problems", ["state", "due_on"])
    op.create_index("ix_problems_household_id", "problems", ["household_id"])
    op.create_table(
        "problem_photos",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("problem_id", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.Text(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.Text(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by", sa.Text(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.CheckConstraint("media_type IN ('image/jpeg', 'image/png', 'image/webp')", name="ck_problem_photos_media_type"),
        sa.CheckConstraint("size_bytes > 0 AND octet_length(data) = size_bytes", name="ck_problem_photos_size_bytes"),
        sa.CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name="ck_problem_photos_sha256"),
        sa.ForeignKeyConstraint(["problem_id"], ["problems.id"], name="fk_problem_photos_problem_id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_problem_photos"),
    )
    op.create_index("ix_problem_photos_problem_id", "problem_photos", ["problem_id"])
    _carry_over_flags()


def _problems() -> None:
    op.create_table(
        "problems",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("causes", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("cause_note", sa.Text(), nullable=True),
        sa.Column("measure", sa.Text(), nullable=True),
        sa.Column("measure_note", sa.Text(), nullable=True),
        sa.Column("helper", sa.Text(), nullable=True),
        sa.Column("helper_unit", sa.Text(), nullable=True),
        sa.Column("found_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("state", sa.Text(), server_default="open", nullable=False),
        sa.Column("state_reason", sa.Text(), nullable=True),
        sa.Column("done_by", sa.Text(), nullable=True),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("done_note", sa.Text(), nullable=True),
        sa.Column("verified_by", sa.Text(), nullable=True),
        sa.Column("verified_on", sa.Date(), nullable=True),
        sa.Column("verify_method", sa.Text(), nullable=True),
        sa.Column("verify_note", sa.Text(), nullable=True),
        sa.Column("appraisal_grade", sa.Text(), nullable=True),
        sa.Column("appraised_on", sa.Date(), nullable=True),
        sa.Column("in_plan", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("renovation", sa.Text(), nullable=True),
        sa.Column("works_started_on", sa.Date(), nullable=True),
        sa.Column("works_finished_on", sa.Date(), nullable=True),
        sa.Column("subsidy_yuan", sa.Numeric(10, 0), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column("updated_by", sa.Text(), nullable=True),
        sa.CheckConstraint("kind IN ('food', 'clothing', 'education', 'medical', 'housing', 'water', 'income')", name="ck_problems_kind"),
        sa.CheckConstraint("state IN ('open', 'in_progress', 'to_verify', 'closed', 'unfounded')", name="ck_problems_state"),
        sa.CheckConstraint("verify_method IN ('visit', 'phone', 'papers')", name="ck_problems_verify_method"),
        sa.CheckConstraint("renovation IN ('repair', 'rebuild')", name="ck_problems_renovation"),
        sa.CheckConstraint("appraisal_grade IN ('C', 'D')", name="ck_problems_appraisal_grade"),
        sa.CheckConstraint("kind = 'housing' OR (appraisal_grade IS NULL AND appraised_on IS NULL AND renovation IS NULL AND works_started_on IS NULL AND works_finished_on IS NULL AND subsidy_yuan IS NULL AND NOT in_plan)", name="ck_problems_house_fields"),
        sa.CheckConstraint("works_finished_on IS NULL OR works_started_on IS NULL OR works_finished_on >= works_started_on", name="ck_problems_works_finished_on"),
        sa.CheckConstraint("subsidy_yuan IS NULL OR subsidy_yuan >= 0", name="ck_problems_subsidy_yuan"),
        sa.CheckConstraint("due_on >= found_on", name="ck_problems_due_on"),
        sa.CheckConstraint("state <> 'closed' OR (verified_by IS NOT NULL AND verified_on IS NOT NULL AND verify_method IS NOT NULL)", name="ck_problems_closed_verified"),
        sa.CheckConstraint("verified_by IS NULL OR done_by IS NULL OR verified_by <> done_by", name="ck_problems_verifier"),
        sa.CheckConstraint("state <> 'unfounded' OR state_reason IS NOT NULL", name="ck_problems_unfounded_reason"),
        sa.CheckConstraint("version >= 1", name="ck_problems_version"),
        sa.ForeignKeyConstraint(["household_id"], ["households.id"], name="fk_problems_household_id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_problems"),
    )


def _carry_over_flags() -> None:
    """One 待处理 problem per raised flag of the households already stored, with its history row.
    A C/D house is due on 30 November 2021 (data/ledger.toml at this revision), the rest 30 days
    after today (China time)."""
    flags = ", ".join(f"('{kind}', h.{flag})" for kind, flag in FLAGS)
    op.execute(f"""
        WITH today AS (SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date AS d),
        made AS (
            INSERT INTO problems (household_id, kind, cause_note, helper, found_on, due_on, state,
                                  appraisal_grade, created_by, updated_by)
            SELECT h.id, k.kind, '风险标记转入台账 carried over from the risk flag', h.helper, today.d,
                   CASE WHEN k.kind = 'housing' AND h.house_grade IN ('C', 'D')
                        THEN greatest(DATE '2021-11-30', today.d) ELSE today.d + 30 END,
                   'open',
                   CASE WHEN k.kind = 'housing' AND h.house_grade IN ('C', 'D') THEN h.house_grade END,
                   '{WHO}', '{WHO}'
            FROM households h CROSS JOIN today
            CROSS JOIN LATERAL (VALUES {flags}) AS k(kind, flagged)
            WHERE k.flagged
            ORDER BY h.id, k.kind
            RETURNING id, found_on)
        INSERT INTO change_history (table_name, record_id, field, old_value, new_value, note,
                                    effective_on, changed_by)
        SELECT 'problems', id, 'state', NULL, 'open', '风险标记转入台账 carried over from the risk flag',
               found_on, '{WHO}' FROM made
    """)


def downgrade() -> None:
    op.drop_index("ix_problem_photos_problem_id", table_name="problem_photos")
    op.drop_table("problem_photos")
    op.execute("DELETE FROM change_history WHERE table_name = 'problems'")
    op.drop_index("ix_problems_household_id", table_name="problems")
    op.drop_index("ix_problems_state_due", table_name="problems")
    op.drop_index("ix_problems_causes", table_name="problems")
    op.drop_table("problems")
    op.drop_constraint("ck_households_version", "households", type_="check")
    op.drop_column("households", "updated_by")
    op.drop_column("households", "version")
