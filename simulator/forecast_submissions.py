"""Weekly forecast submissions, computed in SQL from the loaded opportunity history.

Set work stays in the database: each Monday's call is an as-of join of opportunity
history against the Mondays of the window (see forecast_submissions.sql). Python only supplies
each rep's forecast style, which the CRM never shows.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import psycopg

from simulator.config import DemoConfig
from simulator.org import FORECAST_STYLES, Org

FORECAST_SQL = Path(__file__).with_name("forecast_submissions.sql")
RAMP_UP_DAYS = 28  # the first four weeks have almost no pipeline: no calls until the book has filled


def write_forecast_submissions(
    conn: psycopg.Connection,
    config: DemoConfig,
    org: Org,
    start: dt.date,
    today: dt.date,
    first_monday: dt.date | None = None,
    issued: int = 0,
) -> int:
    """Insert the calls of every Monday from `first_monday` (default: four weeks into the history) to
    the last Monday before `today`, numbering ids after `issued`; returns the number of rows written."""
    first_monday = first_monday or _next_monday(start + dt.timedelta(days=RAMP_UP_DAYS))
    last_monday = today - dt.timedelta(days=(today.weekday() or 7))  # the last Monday before today
    # Dropped first: simulator.advance writes several Mondays in one transaction.
    conn.execute("drop table if exists pg_temp.rep_forecast_style")
    conn.execute(
        "create temp table rep_forecast_style (owner_id text, commit_factor float8, stretch_factor float8,"
        " best_case_factor float8, new_business_factor float8) on commit drop"
    )
    with conn.cursor().copy("copy pg_temp.rep_forecast_style from stdin") as copy:
        for rep in org.reps:
            copy.write_row((rep.user_id, *FORECAST_STYLES[rep.forecast_style]))
    categories = config.open_forecast_categories
    cursor = conn.execute(
        FORECAST_SQL.read_text(),
        {
            "issued": issued,
            "fiscal_shift": config.fiscal_year_start_month - 1,
            "first_monday": first_monday,
            "last_monday": last_monday,
            "commit_category": categories[-1],
            "best_case_category": categories[-2] if len(categories) > 1 else categories[-1],
        },
    )
    return cursor.rowcount


def _next_monday(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=(7 - day.weekday()) % 7)
