"""Write the demo CRM into PostgreSQL: recreate the schemas from simulator/schema.sql, COPY rows in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

import psycopg

SCHEMA_SQL = Path(__file__).with_name("schema.sql")

# Column order of the row tuples the builders produce, per table.
COLUMNS = {
    "crm.opportunity_stage": (
        "stage_name, sort_order, is_closed, is_won, default_probability, forecast_category, system_modstamp"
    ),
    "crm.organization": "organization_id, name, fiscal_year_start_month, default_currency, system_modstamp",
    "sim_truth.rep_profile": "user_id, skill, activity_level, forecast_style",
    'crm."user"': (
        "user_id, name, email, role, manager_id, team, segment, timezone, is_active, created_date, "
        "system_modstamp"
    ),
    "crm.account": (
        "account_id, name, industry, segment, employees, region, owner_id, created_date, system_modstamp"
    ),
    "crm.contact": (
        "contact_id, account_id, first_name, last_name, email, title, seniority, department, timezone, "
        "created_date, system_modstamp"
    ),
    "crm.opportunity": (
        "opportunity_id, account_id, owner_id, name, stage_name, amount, close_date, probability, "
        "forecast_category, next_step, type, lead_source, loss_reason, is_closed, is_won, created_date, "
        "closed_date, system_modstamp, ai_win_probability, ai_next_best_action, ai_model_version, "
        "ai_scored_at"
    ),
    "crm.opportunity_history": (
        "history_id, opportunity_id, created_date, stage_name, amount, close_date, probability, "
        "forecast_category, system_modstamp"
    ),
    "crm.opportunity_contact_role": (
        "opportunity_contact_role_id, opportunity_id, contact_id, role, is_primary, created_date, "
        "system_modstamp"
    ),
    "crm.task": (
        "task_id, what_id, who_id, account_id, owner_id, subject, type, status, priority, activity_date, "
        "completed_at, call_disposition, call_duration_seconds, description, created_date, "
        "system_modstamp, ai_external_id, ai_action_type, ai_context, ai_script, ai_recommended_at, "
        "ai_expected_impact_amount, ai_model_version"
    ),
    "crm.event": (
        "event_id, what_id, who_id, account_id, owner_id, subject, type, start_at, end_at, description, "
        "created_date, system_modstamp"
    ),
    "sim_truth.deal_daily": (
        "opportunity_id, as_of_date, true_p_win, true_p_win_in_quarter, quarter_end_date, "
        "true_p_win_this_quarter"
    ),
    "sim_truth.clock": "current_date_value",
}


class HistoryRow(NamedTuple):  # crm.opportunity_history, in COPY column order
    history_id: str
    opportunity_id: str
    created_date: dt.datetime
    stage_name: str
    amount: float | None
    close_date: dt.date
    probability: float
    forecast_category: str
    system_modstamp: dt.datetime


class OpportunityRow(NamedTuple):  # crm.opportunity, in COPY column order; ai_* stay null
    opportunity_id: str
    account_id: str
    owner_id: str
    name: str
    stage_name: str
    amount: float | None
    close_date: dt.date
    probability: float
    forecast_category: str
    next_step: str | None
    type: str
    lead_source: str
    loss_reason: str | None
    is_closed: bool
    is_won: bool
    created_date: dt.datetime
    closed_date: dt.date | None
    system_modstamp: dt.datetime
    ai_win_probability: None = None
    ai_next_best_action: None = None
    ai_model_version: None = None
    ai_scored_at: None = None


def recreate_schemas(conn: psycopg.Connection) -> None:
    """Drop crm and sim_truth (and whatever hangs off them) and create them afresh from schema.sql."""
    conn.execute("drop schema if exists crm cascade")
    conn.execute("drop schema if exists sim_truth cascade")
    conn.execute(SCHEMA_SQL.read_text())


def copy_rows(conn: psycopg.Connection, table: str, rows: Iterable[tuple]) -> None:
    with conn.cursor().copy(f"copy {table} ({COLUMNS[table]}) from stdin") as copy:
        for row in rows:
            copy.write_row(row)


# COPY's text format: backslash, tab, newline and carriage return are escaped; NULL is \N.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _text(value: str) -> str:
    # The check is two C-speed scans; translate() costs ~10x more and almost no value needs it.
    return value.translate(_COPY_ESCAPES) if "\\" in value or not value.isprintable() else value


def _number(value: float) -> str:
    return "\\N" if value != value else repr(value)  # NaN: an amount the rep never entered


# One formatter per Python type: a dict lookup instead of an isinstance chain per value (~3x faster).
_FORMAT = {
    str: _text,
    type(None): lambda _: "\\N",
    bool: lambda value: "t" if value else "f",
    int: str,
    float: _number,
    dt.date: dt.date.isoformat,
    dt.datetime: dt.datetime.isoformat,  # aware (UTC): the offset is kept
}


def copy_text(rows: Iterable[tuple]) -> str:
    """Rows in COPY's text format, built without a connection (simulator.chunks formats rows in worker
    processes and the parent only streams the text). Values: str, int, float, bool, date, aware datetime."""
    return "".join(["\t".join([_FORMAT[type(value)](value) for value in row]) + "\n" for row in rows])


def copy_data(conn: psycopg.Connection, table: str, text: str) -> None:
    """Stream COPY text made by `copy_text` into `table` (columns as in COLUMNS)."""
    with conn.cursor().copy(f"copy {table} ({COLUMNS[table]}) from stdin") as copy:
        copy.write(text)


def row_counts(conn: psycopg.Connection) -> dict[str, int]:
    counts = {}
    for table in COLUMNS:
        counts[table.split(".", 1)[1].strip('"')] = conn.execute(f"select count(*) from {table}").fetchone()[
            0
        ]
    counts["forecast_submission"] = conn.execute("select count(*) from crm.forecast_submission").fetchone()[0]
    return counts
