"""The pipeline's own login role: its own schemas, the CRM as the CRM grants it, and nothing on sim_truth.

    pipeline = ensure_pipeline_role(admin_url)   # idempotent; returns the pipeline's URL

Least privilege, enforced with grants and not by convention (docs/ARCHITECTURE.md, "Layers"):
- The demo CRM's truth (schema sim_truth) is what Momentum is measured against, so the pipeline gets
  nothing on it, and PUBLIC's privileges on sim_truth are revoked too.
- The role gets USAGE + CREATE and every table privilege on the pipeline's own schemas (`OWN_SCHEMAS`,
  present and future tables the admin creates there). The admin creates those schemas; the role has no
  CREATE on the database, so it can create no schema of its own (one placed first on a search path is how
  a planted function would run with another role's rights). Code that creates a schema checks first
  (warehouse/schemas.py): PostgreSQL refuses `create schema if not exists` without database CREATE.
- On the CRM's schema `crm` the role gets USAGE only; the CRM decides the table and column privileges
  (`crm_grants`, e.g. crm/demo/grants.py: read everything, write only the allow-listed fields).
Schemas dropped and recreated by the admin (`sim init` recreates crm and sim_truth) lose their grants:
call ensure_pipeline_role again afterwards.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
from psycopg import sql

PIPELINE_ROLE = "momentum_pipeline"
# Owns the demo CRM's clock function and may read sim_truth.clock, nothing else; never logs in.
CLOCK_ROLE = "momentum_crm_clock"
CRM_SCHEMA = "crm"
# The schemas the pipeline writes, each created by the admin and granted to the role.
OWN_SCHEMAS = (
    "raw_crm",
    "raw_salesforce",
    "raw_hubspot",
    "staging",
    "intermediate",
    "marts",
    "ml",
    "actions",
    "reverse_etl",
    "expectations",
    "dashboards",
)
PIPELINE_SCHEMAS = (CRM_SCHEMA, *OWN_SCHEMAS)
# Grants the CRM gives the role on its own tables, run as the admin: (admin connection, role name).
CrmGrants = Callable[[psycopg.Connection, str], None]
TRUTH_SCHEMA = "sim_truth"
# Old name -> new name (one name per stage): a warehouse made before the rename keeps its scores and its
# validation history. The old `sync` schema held only dbt views, which dbt now builds in `reverse_etl`.
RENAMED_SCHEMAS = {"ml_outputs": "ml", "data_quality": "expectations"}


def ensure_pipeline_role(
    admin_url: str,
    password: str | None = None,
    role: str = PIPELINE_ROLE,
    crm_grants: CrmGrants | None = None,
) -> str:
    """Create (or refresh) the pipeline role's grants as the admin of `admin_url`; return the pipeline URL.

    The pipeline schemas are created if missing (owned by the admin, granted to the role), so the grants
    hold whichever of the two creates a table first. `password` is set when given (servers that do not
    trust local connections need one); the embedded server trusts its unix socket. `crm_grants` gives the
    role what it may do on the CRM's tables; without it the role may only look up the schema `crm`.
    Privileges an earlier version granted (CREATE on the database, ALL on the CRM's tables) are revoked.
    """
    ident = sql.Identifier(role)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        database = sql.Identifier(conn.execute("select current_database()").fetchone()[0])
        # CREATE ROLE has no IF NOT EXISTS; roles are server-wide, so another database may have made it.
        with contextlib.suppress(psycopg.errors.DuplicateObject):
            conn.execute(sql.SQL("create role {} login nosuperuser nocreatedb nocreaterole").format(ident))
        if password is not None:
            conn.execute(sql.SQL("alter role {} password {}").format(ident, sql.Literal(password)))
        with conn.transaction():
            conn.execute(sql.SQL("grant connect, temporary on database {} to {}").format(database, ident))
            conn.execute(sql.SQL("revoke create on database {} from {}").format(database, ident))
            _rename_old_schemas(conn)
            for schema in OWN_SCHEMAS:
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
            _grant_the_crm(conn, role, crm_grants)
            _hand_the_crm_clock_to_its_own_role(conn)
            if conn.execute("select to_regnamespace(%s)", (TRUTH_SCHEMA,)).fetchone()[0] is not None:
                truth = sql.Identifier(TRUTH_SCHEMA)
                for grantee in (ident, sql.SQL("public")):
                    conn.execute(sql.SQL("revoke all on schema {} from {}").format(truth, grantee))
                    conn.execute(
                        sql.SQL("revoke all on all tables in schema {} from {}").format(truth, grantee)
                    )
    return pipeline_url(admin_url, role, password)


def _grant_the_crm(conn: psycopg.Connection, role: str, crm_grants: CrmGrants | None) -> None:
    """USAGE on `crm` and nothing else of ours: every earlier table grant (ALL, and ALL by default on new
    tables) is revoked first, then the CRM grants what it allows."""
    crm, ident = sql.Identifier(CRM_SCHEMA), sql.Identifier(role)
    conn.execute(sql.SQL("create schema if not exists {}").format(crm))
    conn.execute(sql.SQL("revoke all on schema {} from {}").format(crm, ident))
    conn.execute(sql.SQL("grant usage on schema {} to {}").format(crm, ident))
    for kind in ("tables", "sequences"):
        conn.execute(
            sql.SQL("alter default privileges in schema {} revoke all on {} from {}").format(
                crm, sql.SQL(kind), ident
            )
        )
    conn.execute(sql.SQL("revoke all on all tables in schema {} from {}").format(crm, ident))
    conn.execute(sql.SQL("revoke all on all sequences in schema {} from {}").format(crm, ident))
    # Column privileges are separate from table ones: revoking the table's leaves an earlier run's columns.
    for (table,) in conn.execute(
        "select c.relname from pg_class c where c.relnamespace = to_regnamespace(%s) and c.relkind in ('r', 'p', 'v')",
        (CRM_SCHEMA,),
    ).fetchall():
        columns = [
            sql.Identifier(name)
            for (name,) in conn.execute(
                "select attname from pg_attribute where attrelid = to_regclass(format('%%I.%%I', %s::text, %s::text))"
                " and attnum > 0 and not attisdropped",
                (CRM_SCHEMA, table),
            ).fetchall()
        ]
        if columns:
            conn.execute(
                sql.SQL("revoke all ({}) on {} from {}").format(
                    sql.SQL(", ").join(columns), sql.Identifier(CRM_SCHEMA, table), ident
                )
            )
    if crm_grants is not None:
        crm_grants(conn, role)


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
    own_schemas = list(OWN_SCHEMAS)
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
