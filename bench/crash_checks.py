"""What the crash campaign (bench/crash_campaign.py) checks after each resumed round, in the demo CRM behind the
local API server and in the sync log: duplicate tasks, lost updates, an unreconciled log, batches left in flight."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg import sql

from reverse_etl.mapping import Mapping


@dataclass(frozen=True)
class RoundCheck:
    duplicate_tasks: int
    lost_updates: int
    unreconciled_runs: int
    journal_rows: int
    records_sent: int


def check(url: str, mappings: list[Mapping]) -> RoundCheck:
    """The CRM and the sync log after a round's syncs ran to the end (`mappings`: the campaign's syncs)."""
    with psycopg.connect(url) as conn:
        duplicates = conn.execute(
            "select count(*) from (select ai_external_id from crm.task where ai_external_id is not null"
            " group by 1 having count(*) > 1) d"
        ).fetchone()[0]
        lost = sum(_lost(conn, mapping) for mapping in mappings)
        lost += conn.execute(
            "select count(*) from crm.task t where t.ai_external_id is not null and t.status = 'Open' and not exists"
            " (select 1 from reverse_etl.sync_crm__tasks p where p.ai_external_id = t.ai_external_id)"
            " and not exists (select 1 from reverse_etl.sync_record_error e where e.record_key = t.ai_external_id"
            " and e.sync_run_id = (select sync_run_id from reverse_etl.sync_log where sync_name = 'tasks'"
            " order by started_at desc limit 1))"
        ).fetchone()[0]
        # A failed retire is logged too, but it was not one of the changed records.
        unreconciled = conn.execute(
            "select count(*) from reverse_etl.sync_log l where status in ('succeeded', 'partial')"
            " and changed <> written + failed - (select count(*) from reverse_etl.sync_record_error e"
            " where e.sync_run_id = l.sync_run_id and e.error like 'retiring the task:%')"
        ).fetchone()[0]
        journal = conn.execute("select count(*) from reverse_etl.sync_journal").fetchone()[0]
        sent = conn.execute(
            "select coalesce(sum(written + failed), 0) from reverse_etl.sync_log where status in ('succeeded', 'partial')"
        ).fetchone()[0]
    return RoundCheck(duplicates, lost, unreconciled, journal, sent)


def _lost(conn: psycopg.Connection, mapping: Mapping) -> int:
    """Payload records whose CRM values differ from the payload, the last run's refused records aside."""
    types = dict(
        conn.execute(
            "select attname, format_type(atttypid, atttypmod) from pg_attribute"
            " where attrelid = to_regclass(%s) and attnum > 0",
            (f"crm.{mapping.object}",),
        ).fetchall()
    )
    differs = sql.SQL(" or ").join(
        sql.SQL("p.{f}::{t} is distinct from c.{f}").format(f=sql.Identifier(f), t=sql.SQL(types[f]))
        for f in mapping.fields
    )
    return conn.execute(
        sql.SQL(
            "select count(*) from {payload} p left join crm.{table} c on c.{key} = p.{key}"
            " where (c.{key} is null or {differs}) and not exists (select 1 from reverse_etl.sync_record_error e"
            " where e.record_key = p.{key} and e.sync_run_id = (select sync_run_id from reverse_etl.sync_log"
            " where sync_name = %s and status in ('succeeded', 'partial') order by started_at desc limit 1))"
        ).format(
            payload=sql.Identifier(*mapping.source_parts),
            table=sql.Identifier(mapping.object),
            key=sql.Identifier(mapping.match_key),
            differs=differs,
        ),
        (mapping.name,),
    ).fetchone()[0]
