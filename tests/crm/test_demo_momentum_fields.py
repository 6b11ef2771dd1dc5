"""A demo CRM built by an earlier release gets Momentum's newer fields (crm/demo/momentum_fields.py), once."""

from __future__ import annotations

import psycopg

from crm.demo.momentum_fields import ADDED_FIELDS, ensure_momentum_fields
from tests.reverse_etl.helpers import CRM_SCHEMA


def _columns(conn: psycopg.Connection) -> set[str]:
    rows = conn.execute(
        "select column_name from information_schema.columns where table_schema = 'crm' and table_name = 'opportunity'"
    )
    return {name for (name,) in rows}


def test_an_earlier_demo_crm_gets_the_insight_fields_once(warehouse_url):
    with psycopg.connect(warehouse_url, autocommit=True) as conn:
        # GIVEN a demo CRM as the first release built it: no insight fields
        conn.execute(CRM_SCHEMA.read_text())
        for table, column, _ in ADDED_FIELDS:
            conn.execute(f"alter table crm.{table} drop column {column}")
        assert not {column for _, column, _ in ADDED_FIELDS} & _columns(conn)

        # WHEN the fields are ensured, twice
        added = ensure_momentum_fields(conn)
        again = ensure_momentum_fields(conn)

        # THEN the first adds them all and the second nothing
        assert added == [
            "opportunity.ai_slip_risk",
            "opportunity.ai_top_reasons_for",
            "opportunity.ai_top_reasons_against",
            "opportunity.ai_close_in_quarter_probability",
            "opportunity.ai_forecast_category",
            "opportunity.ai_forecast_flag",
        ]
        assert again == []
        assert {column for _, column, _ in ADDED_FIELDS} <= _columns(conn)


def test_a_database_without_a_demo_crm_is_left_alone(warehouse_url):
    with psycopg.connect(warehouse_url, autocommit=True) as conn:
        assert ensure_momentum_fields(conn) == []


def test_an_earlier_demo_crm_gets_the_momentum_forecast_object_once(warehouse_url):
    with psycopg.connect(warehouse_url, autocommit=True) as conn:
        # GIVEN a demo CRM from before the Momentum forecast record (issue 17)
        conn.execute(CRM_SCHEMA.read_text())
        conn.execute("drop table crm.momentum_forecast")

        added, again = ensure_momentum_fields(conn), ensure_momentum_fields(conn)

        # THEN the table is created once, as simulator/schema.sql defines it (its upsert key unique)
        assert (added, again) == (["momentum_forecast"], [])
        conn.execute(
            "insert into crm.momentum_forecast (momentum_forecast_id, ai_external_id, created_date, system_modstamp)"
            " values ('a0M1', 'k', now(), now()) on conflict (ai_external_id) do nothing"
        )
        assert conn.execute("select count(*) from crm.momentum_forecast").fetchone() == (1,)
