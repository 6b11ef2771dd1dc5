"""`ml.deal_scores_backtest`: the backtest's deal scores, one row per snapshot of every backtested date.

The forecast marts read it for the dates the morning job did not score (int_forecast_deals_weighted), so
fct_forecast_accuracy shows an AI forecast for every past week, marked `ai_forecast_source = 'backtest'`.
Each run replaces the whole table: a backtest is one consistent walk through the history.
"""

from __future__ import annotations

import pandas as pd
import psycopg

from ml.backtest.scoring import SCORE_COLUMNS
from warehouse.schemas import ensure_schema

BACKTEST_SCORES_DDL = """
create table if not exists ml.deal_scores_backtest (
    opportunity_id text not null,
    as_of_date date not null,
    p_win double precision,
    p_slip double precision,
    p_close_in_quarter double precision,
    score_source text not null,
    trained_as_of date not null,
    backtest_run_id text not null,
    is_backtest boolean not null default true,
    primary key (as_of_date, opportunity_id)
)
"""
STORED_COLUMNS = (*SCORE_COLUMNS, "trained_as_of", "backtest_run_id")


def replace_backtest_scores(warehouse_url: str, scores: pd.DataFrame) -> int:
    """Replace the table's rows with `scores` (STORED_COLUMNS) in one transaction; returns the rows written."""
    columns = ", ".join(STORED_COLUMNS)
    with psycopg.connect(warehouse_url) as conn:
        ensure_schema(conn, "ml")
        conn.execute(BACKTEST_SCORES_DDL)
        conn.execute("truncate ml.deal_scores_backtest")
        with conn.cursor().copy(f"copy ml.deal_scores_backtest ({columns}) from stdin") as copy:
            for row in scores[list(STORED_COLUMNS)].itertuples(index=False, name=None):
                copy.write_row([None if pd.isna(value) else value for value in row])
    return len(scores)
