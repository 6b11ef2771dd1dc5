"""The dashboard's one way to the warehouse: read-only queries as the role `momentum dashboard` made.

`momentum dashboard` (dashboard/launch.py) creates the read-only role and hands the app its URLs through the
environment (warehouse/settings.py `dashboard_reader_urls`); the app never sees an admin or pipeline login.
Results are cached for every session until the warehouse's data changes: the marts change once a morning, and a
page must load in a second.
"""

from __future__ import annotations

import pandas as pd
import psycopg
import streamlit as st
from psycopg.types.numeric import FloatLoader

from warehouse.reader import READ_SCHEMAS
from warehouse.settings import load_settings

# A result lives as long as the warehouse holds the same data (`warehouse_version`), not a few minutes: the marts
# change once a morning, and the results `momentum dashboard` warms before it prints the address must still be
# there for the user who opens the page an hour later. The version is read again every VERSION_SECONDS.
CACHE_SECONDS = 24 * 3600
VERSION_SECONDS = 30
MAX_RESULTS = 500  # distinct queries x filter values kept; the oldest go first
MLFLOW_CACHE_SECONDS = 300
# Changes whenever dbt rebuilds a table the dashboard reads (a new table gets a new oid) or writes rows into one
# (an incremental model): the cumulative row counters of PostgreSQL's statistics, readable by any role.
VERSION_SQL = """
select md5(coalesce(string_agg(relid::text || ':' || (n_tup_ins + n_tup_upd + n_tup_del)::text, ',' order by relid), ''))
from pg_stat_all_tables where schemaname = any(%s)
"""


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
    """Rows of the warehouse (marts, dashboards) as the read-only role; cached, for every session, until the
    warehouse's data changes."""
    url = reader_urls()[0]
    return _query(url, sql, params, warehouse_version(url))


def mlflow_query(sql: str, params: tuple = ()) -> pd.DataFrame:
    """Rows of MLflow's tracking store (runs, metrics, aliases) as the read-only role; empty without one."""
    url = reader_urls()[1]
    return _mlflow_query(url, sql, params) if url else pd.DataFrame()


@st.cache_data(ttl=VERSION_SECONDS, show_spinner=False)
def warehouse_version(url: str) -> str:
    return read_warehouse_version(url)


def read_warehouse_version(url: str) -> str:
    """A fingerprint of the data in the schemas the dashboard reads: it changes when dbt rebuilds or loads them."""
    return str(_fetch(url, VERSION_SQL, (list(READ_SCHEMAS),)).iloc[0, 0])


@st.cache_data(ttl=CACHE_SECONDS, max_entries=MAX_RESULTS, show_spinner=False)
def _query(url: str, sql: str, params: tuple, version: str) -> pd.DataFrame:  # noqa: ARG001 (the cache's key)
    return _fetch(url, sql, params)


@st.cache_data(ttl=MLFLOW_CACHE_SECONDS, show_spinner=False)
def _mlflow_query(url: str, sql: str, params: tuple) -> pd.DataFrame:
    return _fetch(url, sql, params)


def _fetch(url: str, sql: str, params: tuple) -> pd.DataFrame:
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
