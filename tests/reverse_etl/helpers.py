"""Builders for the reverse-ETL tests: a demo CRM with ten open opportunities, payload rows.

In the product the payloads are dbt views (`reverse_etl.sync_crm__*`); here they are plain tables that
each test fills with COPY, so a test states exactly what today's payload is.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import psycopg
from psycopg.rows import dict_row

from crm.connectors import crm_destination
from warehouse.settings import load_settings

CRM_SCHEMA = Path(__file__).parents[2] / "simulator" / "schema.sql"
# The demo CRM in schema `crm`, as the morning job writes it (crm/connectors.py).
DEMO_DESTINATION = crm_destination(load_settings({}))
SEEDED_AT = datetime(2026, 1, 5, 6, 0, tzinfo=UTC)
OPPORTUNITY_IDS = [f"006{n:015d}" for n in range(1, 11)]

PAYLOAD_DDL = """
create schema if not exists reverse_etl;
create table reverse_etl.sync_crm__opportunity_fields (
    opportunity_id text, ai_win_probability numeric, ai_model_version text,
    ai_next_best_action text, ai_scored_at timestamptz, ai_slip_risk numeric, ai_top_reasons_for text,
    ai_top_reasons_against text, compare_slip_risk_band integer, compare_reason_factors text,
    ai_close_in_quarter_probability numeric, ai_forecast_category text, ai_forecast_flag text
);
create table reverse_etl.sync_crm__tasks (
    ai_external_id text, what_id text, who_id text, owner_id text, subject text, type text,
    status text, priority text, activity_date date, description text, ai_action_type text,
    ai_context text, ai_script text, ai_recommended_at timestamptz,
    ai_expected_impact_amount numeric, ai_model_version text
);
create table reverse_etl.sync_crm__momentum_forecast (
    ai_external_id text, owner_id text, ai_forecast_level text, ai_team text, ai_fiscal_quarter text,
    ai_forecast numeric, ai_forecast_p10 numeric, ai_forecast_p90 numeric, ai_commit numeric, ai_best_case numeric,
    ai_minus_commit numeric, ai_as_of_date date, ai_model_version text, compare_forecast_amounts text
);
"""


def create_crm(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(CRM_SCHEMA.read_text())
        conn.execute(
            "insert into crm.opportunity (opportunity_id, name, stage_name, amount, created_date,"
            " system_modstamp) select id, 'Deal ' || id, 'Discovery', 50000, %s, %s from unnest(%s::text[]) as id",
            (SEEDED_AT, SEEDED_AT, OPPORTUNITY_IDS),
        )


def set_payload(url: str, relation: str, rows: list[dict]) -> None:
    """Replace today's payload in `reverse_etl.<relation>` with `rows` (COPY, as the standards ask)."""
    with psycopg.connect(url) as conn:
        conn.execute(f"truncate reverse_etl.{relation}")
        if rows:
            columns = list(rows[0])
            with conn.cursor().copy(f"copy reverse_etl.{relation} ({', '.join(columns)}) from stdin") as copy:
                for row in rows:
                    copy.write_row([row[c] for c in columns])


def query(url: str, statement: str, params=None) -> list[dict]:
    with psycopg.connect(url, row_factory=dict_row) as conn:
        return conn.execute(statement, params).fetchall()


def score(
    opportunity_id: str, probability: str, *, action: str | None = "Book a call", at: datetime | None = None
):
    return {
        "opportunity_id": opportunity_id,
        "ai_win_probability": Decimal(probability),
        "ai_model_version": "win@3",
        "ai_next_best_action": action,
        "ai_scored_at": at or datetime(2026, 5, 4, 5, 30, tzinfo=UTC),
    }


def tmva(external_id: str, opportunity_id: str = OPPORTUNITY_IDS[0], **overrides) -> dict:
    row = {
        "ai_external_id": external_id,
        "what_id": opportunity_id,
        "who_id": "003000000000000001",
        "owner_id": "005000000000000001",
        "subject": "Call the economic buyer",
        "type": "Call",
        "status": "Open",
        "priority": "High",
        "activity_date": date(2026, 5, 4),
        "description": "No economic buyer engaged after 21 days in Proposal.",
        "ai_action_type": "call",
        "ai_context": "Stalled 21 days in Proposal; single-threaded.",
        "ai_script": "Hi Dana, ...",
        "ai_recommended_at": datetime(2026, 5, 4, 5, 45, tzinfo=UTC),
        "ai_expected_impact_amount": Decimal("4200.00"),
        "ai_model_version": "win@3",
    }
    return row | overrides


def execute(url: str, statement: str, params=None) -> None:
    with psycopg.connect(url) as conn:
        conn.execute(statement, params)


def forecast_record(
    level: str, group: str, owner_id: str, forecast: int, commit: int, as_of: date, quarter: str = "2026-Q4"
) -> dict:
    """A Momentum forecast payload row as sync_crm__momentum_forecast makes it (range +-10%, key at 3 digits)."""
    amounts = (forecast, round(forecast * 0.9), round(forecast * 1.1))
    return {
        "ai_external_id": f"momentum-forecast:{level}:{group}:{quarter}",
        "owner_id": owner_id,
        "ai_forecast_level": level,
        "ai_team": "East",
        "ai_fiscal_quarter": quarter,
        "ai_forecast": Decimal(forecast),
        "ai_forecast_p10": Decimal(amounts[1]),
        "ai_forecast_p90": Decimal(amounts[2]),
        "ai_commit": Decimal(commit),
        "ai_best_case": Decimal(commit * 2),
        "ai_minus_commit": Decimal(forecast - commit),
        "ai_as_of_date": as_of,
        "ai_model_version": "momentum_win v1",
        "compare_forecast_amounts": " | ".join(str(_three_digits(a)) for a in amounts),
    }


def _three_digits(amount: int) -> int:
    return int(float(f"{amount:.3g}"))
