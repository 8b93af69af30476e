"""The feedback store's tables (SQLAlchemy Core). Alembic's migrations (migrations/versions) create them;
these definitions are what the code reads and writes. Every table is append-only."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

# Each publish of a snapshot: its time and latest period (the cases of the periods after a case's last
# period make it 已消除; rules.md).
publications = sa.Table(
    "publications",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("snapshot", sa.String, nullable=False),
    sa.Column("published_at", sa.DateTime, nullable=False),
    sa.Column("latest_period", sa.String(7), nullable=False),
)

# The issue time of every case, recorded once when it first appears in a published snapshot.
case_issues = sa.Table(
    "case_issues",
    metadata,
    sa.Column("case_id", sa.String, primary_key=True),
    sa.Column("warning_id", sa.String, nullable=False),
    sa.Column("first_period", sa.String(7), nullable=False),
    sa.Column("rule_id", sa.String, nullable=False),
    sa.Column("kind", sa.String, nullable=False),
    sa.Column("issued_at", sa.DateTime, nullable=False),
    sa.Column("publication_id", sa.Integer, sa.ForeignKey("publications.id"), nullable=False),
)

# Where a case belongs: a row when it is issued and whenever a publish places it elsewhere (its finding's
# region in the latest published period of its run). The write path scopes county officers by it.
case_places = sa.Table(
    "case_places",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("case_id", sa.String, sa.ForeignKey("case_issues.case_id"), nullable=False, index=True),
    sa.Column("county_code", sa.String(12), nullable=False),
    sa.Column("township_code", sa.String(12)),
    sa.Column("region_code", sa.String(12), nullable=False),
    sa.Column("publication_id", sa.Integer, sa.ForeignKey("publications.id"), nullable=False),
)

imports = sa.Table(
    "imports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("imported_at", sa.DateTime, nullable=False),
    sa.Column("recorded_by", sa.String, nullable=False),
    sa.Column("file_name", sa.String, nullable=False),
    sa.Column("file_sha256", sa.String(64), nullable=False),
    sa.Column("rows_recorded", sa.Integer, nullable=False),
    sa.Column("rows_unchanged", sa.Integer, nullable=False),
    sa.Column("rows_refused", sa.Integer, nullable=False),
)

dispositions = sa.Table(
    "dispositions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("case_id", sa.String, sa.ForeignKey("case_issues.case_id"), nullable=False, index=True),
    sa.Column("recorded_at", sa.DateTime, nullable=False),
    sa.Column("recorded_by", sa.String, nullable=False),
    sa.Column("checked_on", sa.Date, nullable=False),
    sa.Column("outcome", sa.String, nullable=False),
    sa.Column("note", sa.String),
    sa.Column("import_id", sa.Integer, sa.ForeignKey("imports.id")),
)

# Sign-ins, failures, locks, sign-outs, dispositions and uploads: who and when, never a password and never
# a person's id or name (detail holds counts and case ids).
audit_events = sa.Table(
    "audit_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("user", sa.String, nullable=False),
    sa.Column("event", sa.String, nullable=False),
    sa.Column("detail", sa.String),
    sa.Index("ix_audit_events_user_at", "user", "at"),
)

APPEND_ONLY = ("publications", "case_issues", "case_places", "imports", "dispositions", "audit_events")
