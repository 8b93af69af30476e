"""The feedback store: publications, case issue times and places, dispositions, imports, audit events.

Revision ID: 0001
Revises:
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TABLES = ("publications", "case_issues", "case_places", "imports", "dispositions", "audit_events")


def upgrade() -> None:
    op.create_table(
        "publications",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("snapshot", sa.String, nullable=False),
        sa.Column("published_at", sa.DateTime, nullable=False),
        sa.Column("latest_period", sa.String(7), nullable=False),
    )
    op.create_table(
        "case_issues",
        sa.Column("case_id", sa.String, primary_key=True),
        sa.Column("warning_id", sa.String, nullable=False),
        sa.Column("first_period", sa.String(7), nullable=False),
        sa.Column("rule_id", sa.String, nullable=False),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("issued_at", sa.DateTime, nullable=False),
        sa.Column("publication_id", sa.Integer, sa.ForeignKey("publications.id"), nullable=False),
    )
    op.create_table(
        "case_places",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.String, sa.ForeignKey("case_issues.case_id"), nullable=False, index=True),
        sa.Column("county_code", sa.String(12), nullable=False),
        sa.Column("township_code", sa.String(12)),
        sa.Column("region_code", sa.String(12), nullable=False),
        sa.Column("publication_id", sa.Integer, sa.ForeignKey("publications.id"), nullable=False),
    )
    op.create_table(
        "imports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("imported_at", sa.DateTime, nullable=False),
        sa.Column("recorded_by", sa.String, nullable=False),
        sa.Column("file_name", sa.String, nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("rows_recorded", sa.Integer, nullable=False),
        sa.Column("rows_unchanged", sa.Integer, nullable=False),
        sa.Column("rows_refused", sa.Integer, nullable=False),
    )
    op.create_table(
        "dispositions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.String, sa.ForeignKey("case_issues.case_id"), nullable=False, index=True),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
        sa.Column("recorded_by", sa.String, nullable=False),
        sa.Column("checked_on", sa.Date, nullable=False),
        sa.Column("outcome", sa.String, nullable=False),
        sa.Column("note", sa.String),
        sa.Column("import_id", sa.Integer, sa.ForeignKey("imports.id")),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("user", sa.String, nullable=False),
        sa.Column("event", sa.String, nullable=False),
        sa.Column("detail", sa.String),
    )
    op.create_index("ix_audit_events_user_at", "audit_events", ["user", "at"])
    # Nothing is updated in place or deleted (product.md): the database itself refuses it.
    for table in TABLES:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
