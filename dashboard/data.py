"""The dashboard's one way to the warehouse: read-only queries as the role `momentum dashboard` made.

`momentum dashboard` (dashboard/launch.py) creates the read-only role and hands the app its URLs through the
environment (warehouse/settings.py `dashboard_reader_urls`); the app never sees an admin or pipeline login.
Results are cached for a few minutes: the marts change once a morning, and a page must load in a second.
"""

from __future__ import annotations

import pandas as pd
import psycopg
import streamlit as st
from psycopg.types.numeric import FloatLoader

from warehouse.settings import load_settings

CACHE_SECONDS = 300


class DashboardNotStarted(RuntimeError):
    """The app was started without the read-only role's URL (not through `momentum dashboard`)."""


def reader_urls() -> tuple[str, str]:
    urls = load_settings().dashboard_reader_urls
    if urls is None:
        raise DashboardNotStarted(
            "start the dashboard with `momentum dashboard`: it makes the read-only role"
        )
    return urls


def query(sql: str, params: tuple = ()) -> pd.DataFrame:
    """Rows of the warehouse (marts, dashboards) as the read-only role."""
    return _query(reader_urls()[0], sql, params)


def mlflow_query(sql: str, params: tuple = ()) -> pd.DataFrame:
    """Rows of MLflow's tracking store (runs, metrics, aliases) as the read-only role; empty without one."""
    url = reader_urls()[1]
    return _query(url, sql, params) if url else pd.DataFrame()


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def _query(url: str, sql: str, params: tuple) -> pd.DataFrame:
    with psycopg.connect(url, connect_timeout=10) as conn:
        # Money is numeric in the warehouse: floats for the charts (the page rounds to cents when it shows them).
        conn.adapters.register_loader("numeric", FloatLoader)
        cursor = conn.execute(sql, params)
        columns = [column.name for column in cursor.description]
        return pd.DataFrame(cursor.fetchall(), columns=columns)


def current_as_of() -> str | None:
    """The as-of date the warehouse was last built for (today's forecast row)."""
    frame = query("select max(as_of_date) as as_of_date from marts.fct_forecast_snapshots where is_current")
    value = frame["as_of_date"].iloc[0] if len(frame) else None
    return None if value is None or pd.isna(value) else str(value)
