"""The diff: which records of today's payload are new or changed since the last sync.

All of it runs in SQL in the warehouse session. The payload relation is read once into the temp
table `_retl_payload` (one row per payload row, with its hash and its sync state); the records
to send go to `_retl_candidates`, which the engine then COPYs to the destination.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg import sql

from reverse_etl.mapping import Mapping

PAYLOAD = "_retl_payload"
CANDIDATES = "_retl_candidates"


@dataclass(frozen=True)
class DiffStats:
    received: int
    new: int
    changed_existing: int
    synced_in_payload: int
    """Payload records that already have sync state: the base of the change share."""
    synced_total: int
    """All state rows of the sync; zero means this is its first run."""
    bad_keys: int
    largest_same_change: int = 0
    """Changed synced records that would all get the same values: the largest such group (a broken payload
    sends most of them to one value)."""

    @property
    def changed(self) -> int:
        return self.new + self.changed_existing

    @property
    def change_share(self) -> float:
        return self.changed_existing / self.synced_in_payload if self.synced_in_payload else 0.0


def build_diff(conn: psycopg.Connection, mapping: Mapping) -> DiffStats:
    key = sql.Identifier(mapping.match_key)
    # md5 over a jsonb array of the compared fields: null-safe ([null] differs from ["null"]) and
    # free of separator collisions ("a|", "b" vs "a", "|b"), unlike concat with a delimiter.
    compared = sql.SQL(", ").join(sql.Identifier(f) for f in mapping.compared_fields)
    conn.execute(
        sql.SQL("drop table if exists {}, {}").format(sql.Identifier(PAYLOAD), sql.Identifier(CANDIDATES))
    )
    conn.execute(
        sql.SQL(
            "create temp table {payload} as"
            " select p.*, s.payload_hash as synced_hash, s.record_key is not null as is_synced,"
            " p.record_key is not null and p.key_rows = 1 as is_valid_key"
            " from (select {key}::text as record_key, {columns},"
            " md5(jsonb_build_array({compared})::text) as payload_hash,"
            " count(*) over (partition by {key}) as key_rows from {source}) as p"
            " left join reverse_etl.sync_state as s on s.sync_name = %s and s.record_key = p.record_key"
        ).format(
            payload=sql.Identifier(PAYLOAD),
            key=key,
            columns=sql.SQL(", ").join(sql.Identifier(f) for f in mapping.written_fields),
            compared=compared,
            source=sql.Identifier(*mapping.source_parts),
        ),
        (mapping.name,),
    )
    conn.execute(
        sql.SQL(
            "create temp table {candidates} as select * from {payload}"
            " where is_valid_key and synced_hash is distinct from payload_hash"
        ).format(candidates=sql.Identifier(CANDIDATES), payload=sql.Identifier(PAYLOAD))
    )
    row = conn.execute(
        sql.SQL(
            "select count(*), count(*) filter (where is_valid_key and not is_synced),"
            " count(*) filter (where is_valid_key and is_synced and synced_hash <> payload_hash),"
            " count(*) filter (where is_valid_key and is_synced),"
            " (select count(*) from reverse_etl.sync_state where sync_name = %s),"
            " count(*) filter (where not is_valid_key),"
            " coalesce((select count(*) from {payload} where is_valid_key and is_synced"
            " and synced_hash <> payload_hash group by payload_hash order by 1 desc limit 1), 0)"
            " from {payload}"
        ).format(payload=sql.Identifier(PAYLOAD)),
        (mapping.name,),
    ).fetchone()
    return DiffStats(*row)


def bad_key_errors(conn: psycopg.Connection, mapping: Mapping) -> list[tuple[str | None, str]]:
    """Payload rows whose key is null or repeated: which of them is meant is unknowable, so none is sent."""
    rows = conn.execute(
        sql.SQL(
            "select record_key, count(*) from {payload} where not is_valid_key group by record_key"
        ).format(payload=sql.Identifier(PAYLOAD))
    ).fetchall()
    return [
        (
            k,
            f"{mapping.match_key} is null"
            if k is None
            else f"{mapping.match_key} repeats in {n} payload rows",
        )
        for k, n in rows
    ]


def candidates_copy_sql(mapping: Mapping) -> sql.Composed:
    """COPY of the records to send: record_key, payload_hash, then the written fields."""
    return sql.SQL("copy (select record_key, payload_hash, {columns} from {candidates}) to stdout").format(
        columns=sql.SQL(", ").join(sql.Identifier(f) for f in mapping.written_fields),
        candidates=sql.Identifier(CANDIDATES),
    )


def keys_copy_sql() -> sql.Composed:
    """COPY of every key in today's payload (failed records too: they must not be retired)."""
    return sql.SQL(
        "copy (select distinct record_key from {payload} where record_key is not null) to stdout"
    ).format(payload=sql.Identifier(PAYLOAD))
