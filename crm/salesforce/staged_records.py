"""The part of a Salesforce destination that lives in the warehouse: the engine's stage of changed records,
read back row by row, and the rules that need the CRM's current tasks (which are the rep's, which retire).

Shared by the API destination (destination.py, which reads the org's tasks by SOQL) and the Data Loader files
destination (data_loader/destination.py, which reads them from the latest export).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import psycopg
from psycopg import sql

from reverse_etl.mapping import Mapping as SyncMapping

STAGE = "_retl_stage"
KEYS = "_retl_keys"


class StagedRecords:
    """Session temp tables the engine COPYs one run's changed records (and today's keys) into."""

    stage_table = STAGE
    keys_table = KEYS
    conn: psycopg.Connection
    mapping: SyncMapping

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

    def _writable(self, existing: tuple[str, str] | None) -> bool:
        """Whether a task (Id, Status) is still Momentum's to rewrite: a rep's completed one is theirs."""
        rule = self.mapping.writable_when
        return existing is None or rule is None or existing[1] in rule.values

    def _stale(self, existing: Mapping[str, tuple[str, str]]) -> list[tuple[str, str]]:
        """(external id, Id) of Momentum's tasks in a retirable status whose key left today's payload."""
        rule = self.mapping.retire_missing
        if rule is None:
            return []
        in_payload = {
            k for (k,) in self.conn.execute(sql.SQL("select record_key from {}").format(sql.Identifier(KEYS)))
        }
        return sorted(
            (external_id, task_id)
            for external_id, (task_id, status) in existing.items()
            if status in rule.from_values and external_id not in in_payload
        )
