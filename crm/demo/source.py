"""The demo CRM as an extract source: its tables read with COPY over one PostgreSQL connection."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Self

import psycopg
from psycopg import sql

from extract.layout import DEMO_LAYOUT


class DemoCrmSource:
    layout = DEMO_LAYOUT

    def __init__(self, url: str, schema: str = "crm"):
        self.url = url
        self.schema = schema
        self.name = f"the demo CRM (schema {schema})"
        self._conn: psycopg.Connection | None = None

    def __enter__(self) -> Self:
        self._conn = psycopg.connect(self.url, autocommit=True)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    @property
    def conn(self) -> psycopg.Connection:
        if self._conn is None:
            raise RuntimeError("DemoCrmSource is used outside its `with` block")
        return self._conn

    def columns(self, object_name: str) -> list[tuple[str, str]]:
        return self.conn.execute(
            "select a.attname, format_type(a.atttypid, a.atttypmod) from pg_attribute a "
            "join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace "
            "where n.nspname = %s and c.relname = %s and a.attnum > 0 and not a.attisdropped order by a.attnum",
            (self.schema, object_name),
        ).fetchall()

    def today(self) -> date:
        """The demo CRM's clock (crm.system_now(): its simulated today), as a real CRM's server date."""
        clock = sql.SQL("{}.system_now()").format(sql.Identifier(self.schema))
        exists = self.conn.execute("select to_regprocedure(%s) is not null", (f"{self.schema}.system_now()",))
        now = clock if exists.fetchone()[0] else sql.SQL("now()")
        return self.conn.execute(sql.SQL("select ({} at time zone 'UTC')::date").format(now)).fetchone()[0]

    def copy_rows(self, object_name: str, fields: Sequence[str], since: datetime | None) -> Iterator[bytes]:
        select = sql.SQL("select {fields} from {table}").format(
            fields=sql.SQL(", ").join(map(sql.Identifier, fields)),
            table=sql.Identifier(self.schema, object_name),
        )
        if since is not None:
            # Rows without a stamp travel every time: the extract quarantines them with their reason
            # (missing_system_modstamp), so they are counted and seen instead of never read.
            select += sql.SQL(" where system_modstamp >= {} or system_modstamp is null").format(
                sql.Literal(since)
            )
        with self.conn.cursor() as cursor, cursor.copy(sql.SQL("copy ({}) to stdout").format(select)) as copy:
            yield from copy

    def copy_ids(self, object_name: str, primary_key: str) -> Iterator[bytes]:
        """Every id the table holds now: the demo CRM deletes rows outright, with no delete feed."""
        select = sql.SQL("copy (select {key} from {table}) to stdout").format(
            key=sql.Identifier(primary_key), table=sql.Identifier(self.schema, object_name)
        )
        with self.conn.cursor() as cursor, cursor.copy(select) as copy:
            yield from copy
