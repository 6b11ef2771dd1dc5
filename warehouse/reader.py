"""The dashboard's login role: SELECT on the marts and the dashboards' reporting models, nothing else.

    reader = ensure_reader_role(admin_url, password)   # idempotent; returns the reader's URL

Leadership's dashboard (dashboard/) connects only as this role, so a bug or a crafted filter in the page can
neither write nor read what the page must not show (raw CRM rows, staging, the simulator's truth):
- USAGE on `READ_SCHEMAS` and SELECT on their tables and views, present and future: default privileges for
  every role that builds them (the pipeline role on the embedded server, the warehouse URL's user on an
  external one), so a table dbt rebuilds tomorrow is readable without another grant;
- CONNECT on the database and no CREATE anywhere; every session read-only by default
  (`default_transaction_read_only`), so even a table a later grant exposes by mistake cannot be written;
- on MLflow's database beside the warehouse (the Models page's runs and metrics), SELECT on its tables.
Schemas the admin drops and recreates lose their grants: `momentum dashboard` calls this on every start.
"""

from __future__ import annotations

import contextlib
import secrets
from pathlib import Path

import psycopg
from psycopg import sql

from warehouse.roles import PIPELINE_ROLE, pipeline_url
from warehouse.schemas import ensure_schema

READER_ROLE = "momentum_dashboard"
# The dbt folders the dashboard reads: the marts, and the reporting models over them (dbt_project/models/dashboards).
READ_SCHEMAS = ("marts", "dashboards")
MLFLOW_SCHEMA = "public"  # MLflow creates its tables in its database's default schema
# What the Models page reads of MLflow: the champions' runs and their metrics. Not the rest (MLflow 3 keeps
# gateway secrets and traces in the same database).
MLFLOW_TABLES = ("experiments", "runs", "latest_metrics", "model_versions", "registered_model_aliases")


def ensure_reader_role(admin_url: str, password: str | None = None, role: str = READER_ROLE) -> str:
    """Create (or refresh) the read-only role as the admin of `admin_url`; return the role's URL."""
    ident = sql.Identifier(role)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        database = sql.Identifier(conn.execute("select current_database()").fetchone()[0])
        # CREATE ROLE has no IF NOT EXISTS; roles are server-wide, so another database may have made it.
        with contextlib.suppress(psycopg.errors.DuplicateObject):
            conn.execute(
                sql.SQL("create role {} login nosuperuser nocreatedb nocreaterole noinherit").format(ident)
            )
        if password is not None:
            conn.execute(sql.SQL("alter role {} password {}").format(ident, sql.Literal(password)))
        with conn.transaction():
            conn.execute(sql.SQL("alter role {} set default_transaction_read_only = on").format(ident))
            # A page that waits longer than this has failed anyway; the warehouse's other work must not wait on it.
            conn.execute(sql.SQL("alter role {} set statement_timeout = '30s'").format(ident))
            conn.execute(sql.SQL("grant connect on database {} to {}").format(database, ident))
            conn.execute(sql.SQL("revoke create on database {} from {}").format(database, ident))
            builders = _builders(conn)
            for schema in READ_SCHEMAS:
                _grant_select(conn, schema, ident, builders)
    return pipeline_url(admin_url, role, password)


def grant_mlflow_reads(mlflow_admin_url: str, role: str = READER_ROLE) -> None:
    """SELECT on the MLflow tables the Models page reads (`MLFLOW_TABLES`), those that exist yet."""
    ident = sql.Identifier(role)
    with psycopg.connect(mlflow_admin_url, autocommit=True) as conn, conn.transaction():
        database = sql.Identifier(conn.execute("select current_database()").fetchone()[0])
        conn.execute(sql.SQL("grant connect on database {} to {}").format(database, ident))
        conn.execute(sql.SQL("grant usage on schema {} to {}").format(sql.Identifier(MLFLOW_SCHEMA), ident))
        for table in MLFLOW_TABLES:
            if conn.execute("select to_regclass(%s) is not null", (f"{MLFLOW_SCHEMA}.{table}",)).fetchone()[
                0
            ]:
                conn.execute(
                    sql.SQL("grant select on {} to {}").format(sql.Identifier(MLFLOW_SCHEMA, table), ident)
                )


def reader_password(home: Path, configured: str | None) -> str:
    """The role's password on an external server: `configured` (MOMENTUM_DASHBOARD_DB_PASSWORD), else one
    generated once and kept owner-only under MOMENTUM_HOME, as the embedded server keeps its data there."""
    if configured:
        return configured
    path = home / "secrets" / "dashboard_db_password"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    password = secrets.token_urlsafe(24)
    path.touch(mode=0o600)
    path.write_text(password)
    return password


def _builders(conn: psycopg.Connection) -> list[str]:
    """The roles whose new tables the reader must see: whoever runs dbt. The admin itself, and the pipeline
    role when there is one and the admin may set its defaults (a superuser, or a member of it)."""
    me, pipeline_may = conn.execute(
        "select current_user, exists (select 1 from pg_roles where rolname = %s)"
        " and (select rolsuper from pg_roles where rolname = current_user)",
        (PIPELINE_ROLE,),
    ).fetchone()
    return [me, PIPELINE_ROLE] if pipeline_may else [me]


def _grant_select(conn: psycopg.Connection, schema: str, ident: sql.Identifier, builders: list[str]) -> None:
    name = sql.Identifier(schema)
    ensure_schema(conn, schema)
    conn.execute(sql.SQL("grant usage on schema {} to {}").format(name, ident))
    conn.execute(sql.SQL("grant select on all tables in schema {} to {}").format(name, ident))
    for builder in builders:
        conn.execute(
            sql.SQL("alter default privileges for role {} in schema {} grant select on tables to {}").format(
                sql.Identifier(builder), name, ident
            )
        )
