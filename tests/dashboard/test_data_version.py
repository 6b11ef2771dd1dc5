"""The dashboard keeps query results until the warehouse's data changes (dashboard/data.py): its fingerprint of the
schemas it reads must change when dbt rebuilds or loads a table there, and only then."""

from __future__ import annotations

import psycopg

from dashboard.data import read_warehouse_version


def _run(url: str, *statements: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)
        # Statistics reach the shared counters when a session flushes them: now, not up to a second later.
        conn.execute("select pg_stat_force_next_flush()")
        conn.execute("select 1")


def test_the_fingerprint_changes_when_a_read_table_is_loaded_or_rebuilt_and_only_then(warehouse_url):
    _run(
        warehouse_url,
        "create schema marts",
        "create schema crm",
        "create table marts.fct_win_loss as select 1 as deal",
        "create table crm.opportunity (id int)",
    )
    built = read_warehouse_version(warehouse_url)
    assert read_warehouse_version(warehouse_url) == built

    _run(warehouse_url, "insert into crm.opportunity values (1)")  # a schema the dashboard does not read
    assert read_warehouse_version(warehouse_url) == built

    _run(warehouse_url, "insert into marts.fct_win_loss values (2)")  # an incremental model's new rows
    loaded = read_warehouse_version(warehouse_url)
    assert loaded != built

    # dbt's table materialization: the same rows in a new table, swapped in
    _run(
        warehouse_url,
        "create table marts.fct_win_loss__dbt_tmp as select * from marts.fct_win_loss",
        "drop table marts.fct_win_loss",
        "alter table marts.fct_win_loss__dbt_tmp rename to fct_win_loss",
    )
    assert read_warehouse_version(warehouse_url) not in (built, loaded)
