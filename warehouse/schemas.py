"""Create a schema only when it is missing.

PostgreSQL checks the database's CREATE privilege before it looks whether the schema exists, so
`create schema if not exists raw_crm` is refused to the pipeline role even when raw_crm is there: on the
embedded server the admin creates every pipeline schema and the role has no CREATE on the database
(warehouse/roles.py). Every DDL site of the pipeline goes through `ensure_schema`, which creates nothing when
the schema exists, and still creates it on an external warehouse whose user may.
"""

from __future__ import annotations

import psycopg
from psycopg import sql


def ensure_schema(conn: psycopg.Connection, schema: str) -> None:
    missing = conn.execute("select to_regnamespace(%s) is null", (schema,)).fetchone()[0]
    if missing:
        conn.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(schema)))
