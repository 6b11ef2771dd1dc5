"""The warehouse side of a destination behind an API (Salesforce, HubSpot: crm/<kind>/destination.py): the run's
changed records staged in session temp tables, read back in key order, and the payload's keys for retiring.

The engine COPYs the candidates into the stage (reverse_etl/destination.py); the destination then sends them
in batches and returns the records the CRM refused. Kept here so each API destination holds only what its CRM
needs (batches, answers, field names).
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
from psycopg import sql

from reverse_etl.mapping import Mapping

STAGE = "_retl_stage"
KEYS = "_retl_keys"


class WarehouseStage:
    stage_table = STAGE
    keys_table = KEYS
    conn: psycopg.Connection
    mapping: Mapping

    def create_stage(self) -> None:
        columns = [sql.SQL("{} text").format(sql.Identifier(c)) for c in self._staged_columns()]
        self.conn.execute(
            sql.SQL("create temp table {} ({}, error text) on commit drop").format(
                sql.Identifier(STAGE), sql.SQL(", ").join(columns)
            )
        )
        self.conn.execute(
            sql.SQL("create temp table {} (record_key text primary key) on commit drop").format(
                sql.Identifier(KEYS)
            )
        )

    def stage_copy_sql(self) -> sql.Composed:
        names = sql.SQL(", ").join(sql.Identifier(c) for c in self._staged_columns())
        return sql.SQL("copy {} ({}) from stdin").format(sql.Identifier(STAGE), names)

    def keys_copy_sql(self) -> sql.Composed:
        return sql.SQL("copy {} (record_key) from stdin").format(sql.Identifier(KEYS))

    def mark_failures(self) -> list[tuple[str, str]]:
        return []  # the CRM judges each record itself; its answers come back from write()

    def _staged_columns(self) -> list[str]:
        return ["record_key", "payload_hash", *self.mapping.written_fields]

    def _staged(self) -> Iterator[dict]:
        columns = self._staged_columns()
        cursor = self.conn.execute(
            sql.SQL("select {} from {} where error is null order by record_key").format(
                sql.SQL(", ").join(sql.Identifier(c) for c in columns), sql.Identifier(STAGE)
            )
        )
        for row in cursor:
            yield dict(zip(columns, row, strict=True))

    def _payload_keys(self) -> set[str]:
        return {
            k for (k,) in self.conn.execute(sql.SQL("select record_key from {}").format(sql.Identifier(KEYS)))
        }

    def _writer_connection(self) -> psycopg.Connection:
        """An autocommit connection for the write journal: what the CRM confirmed stays recorded even when the
        engine's transaction rolls back with a killed run."""
        return psycopg.connect(
            **self.conn.info.get_parameters(), password=self.conn.info.password, autocommit=True
        )


def chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
