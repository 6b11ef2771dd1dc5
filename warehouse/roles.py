"""The pipeline's own login role: every schema the pipeline uses, and no privilege on sim_truth.

    pipeline = ensure_pipeline_role(admin_url)   # idempotent; returns the pipeline's URL

The demo CRM's truth (schema sim_truth) is what Momentum is measured against, so the pipeline must not be
able to read it: this is enforced with grants, not a convention. The role gets USAGE + CREATE and every
table privilege on the schemas below (present and future tables the admin creates there), and CREATE on
the database so dbt and the loaders can create their schemas. It gets nothing on sim_truth, and PUBLIC's
privileges on sim_truth are revoked too. Schemas dropped and recreated by the admin (`sim init` recreates
crm and sim_truth) lose their grants: call ensure_pipeline_role again afterwards.
"""

from __future__ import annotations

import contextlib
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
from psycopg import sql

PIPELINE_ROLE = "momentum_pipeline"
# Owns the demo CRM's clock function and may read sim_truth.clock, nothing else; never logs in.
CLOCK_ROLE = "momentum_crm_clock"
PIPELINE_SCHEMAS = (
    "crm",
    "raw_crm",
    "staging",
    "intermediate",
    "marts",
    "ml",
    "actions",
    "reverse_etl",
    "expectations",
)
TRUTH_SCHEMA = "sim_truth"
# Old name -> new name (one name per stage): a warehouse made before the rename keeps its scores and its
# validation history. The old `sync` schema held only dbt views, which dbt now builds in `reverse_etl`.
RENAMED_SCHEMAS = {"ml_outputs": "ml", "data_quality": "expectations"}


def ensure_pipeline_role(admin_url: str, password: str | None = None, role: str = PIPELINE_ROLE) -> str:
    """Create (or refresh) the pipeline role's grants as the admin of `admin_url`; return the pipeline URL.

    The pipeline schemas are created if missing (owned by the admin, granted to the role), so the grants
    hold whichever of the two creates a table first. `password` is set when given (servers that do not
    trust local connections need one); the embedded server trusts its unix socket.
    """
    ident = sql.Identifier(role)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        database = conn.execute("select current_database()").fetchone()[0]
        # CREATE ROLE has no IF NOT EXISTS; roles are server-wide, so another database may have made it.
        with contextlib.suppress(psycopg.errors.DuplicateObject):
            conn.execute(sql.SQL("create role {} login nosuperuser nocreatedb nocreaterole").format(ident))
        if password is not None:
            conn.execute(sql.SQL("alter role {} password {}").format(ident, sql.Literal(password)))
        with conn.transaction():
            conn.execute(
                sql.SQL("grant connect, create, temporary on database {} to {}").format(
                    sql.Identifier(database), ident
                )
            )
            _rename_old_schemas(conn)
            for schema in PIPELINE_SCHEMAS:
                name = sql.Identifier(schema)
                conn.execute(sql.SQL("create schema if not exists {}").format(name))
                conn.execute(sql.SQL("grant usage, create on schema {} to {}").format(name, ident))
                conn.execute(sql.SQL("grant all on all tables in schema {} to {}").format(name, ident))
                conn.execute(sql.SQL("grant all on all sequences in schema {} to {}").format(name, ident))
                for kind in ("tables", "sequences"):
                    conn.execute(
                        sql.SQL("alter default privileges in schema {} grant all on {} to {}").format(
                            name, sql.SQL(kind), ident
                        )
                    )
            _hand_the_crm_clock_to_its_own_role(conn)
            if conn.execute("select to_regnamespace(%s)", (TRUTH_SCHEMA,)).fetchone()[0] is not None:
                truth = sql.Identifier(TRUTH_SCHEMA)
                for grantee in (ident, sql.SQL("public")):
                    conn.execute(sql.SQL("revoke all on schema {} from {}").format(truth, grantee))
                    conn.execute(
                        sql.SQL("revoke all on all tables in schema {} from {}").format(truth, grantee)
                    )
    return pipeline_url(admin_url, role, password)


def _hand_the_crm_clock_to_its_own_role(conn: psycopg.Connection) -> None:
    """The demo CRM's clock (crm.system_now(), SECURITY DEFINER) runs as a role that can read the clock and
    nothing else, so no caller reaches a superuser's rights through it."""
    clock = conn.execute(
        "select to_regprocedure('crm.system_now()') is not null and to_regclass('sim_truth.clock') is not null"
    ).fetchone()[0]
    if not clock:
        return
    owner = sql.Identifier(CLOCK_ROLE)
    with contextlib.suppress(psycopg.errors.DuplicateObject), conn.transaction():
        conn.execute(sql.SQL("create role {} nologin nosuperuser nocreatedb nocreaterole").format(owner))
    conn.execute(sql.SQL("grant usage on schema sim_truth to {}").format(owner))
    conn.execute(sql.SQL("grant select on sim_truth.clock to {}").format(owner))
    conn.execute(sql.SQL("alter function crm.system_now() owner to {}").format(owner))


def _rename_old_schemas(conn: psycopg.Connection) -> None:
    for old, new in RENAMED_SCHEMAS.items():
        old_exists, new_exists = conn.execute(
            "select to_regnamespace(%s) is not null, to_regnamespace(%s) is not null", (old, new)
        ).fetchone()
        if old_exists and not new_exists:
            conn.execute(
                sql.SQL("alter schema {} rename to {}").format(sql.Identifier(old), sql.Identifier(new))
            )


def pipeline_url(admin_url: str, role: str = PIPELINE_ROLE, password: str | None = None) -> str:
    """The same server and database as `admin_url`, logged in as `role`."""
    parts = urlsplit(admin_url)
    host = parts.hostname or ""
    if host and ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = quote(role, safe="")
    if password is not None:
        netloc += ":" + quote(password, safe="")
    netloc += "@" + host + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def adopt_pipeline_objects(admin_url: str, role: str = PIPELINE_ROLE) -> int:
    """Make the role the owner of the tables and views in the pipeline's own schemas (not `crm`, which the
    CRM owns), so it can replace what an earlier run made as the admin (dbt rebuilds its views and tables).
    Returns how many objects changed owner; zero once every run is made as the role."""
    own_schemas = [schema for schema in PIPELINE_SCHEMAS if schema != "crm"]
    kinds = {"r": "table", "p": "table", "v": "view", "m": "materialized view", "S": "sequence"}
    with psycopg.connect(admin_url, autocommit=True) as conn:
        foreign = conn.execute(
            "select n.nspname, c.relname, c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace"
            " where n.nspname = any(%s) and c.relkind = any(%s) and pg_get_userbyid(c.relowner) <> %s"
            # sequences owned by a table column follow their table
            " and not exists (select 1 from pg_depend d where d.objid = c.oid and d.deptype = 'a')",
            (own_schemas, list(kinds), role),
        ).fetchall()
        for schema, name, kind in foreign:
            conn.execute(
                sql.SQL("alter {} {} owner to {}").format(
                    sql.SQL(kinds[kind]), sql.Identifier(schema, name), sql.Identifier(role)
                )
            )
    return len(foreign)
