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
);
-- Added with the quarter-win model (ml/quarter_wins): tables created before it get the column here.
alter table ml.deal_scores_backtest add column if not exists p_won_in_quarter double precision
"""
STORED_COLUMNS = (*SCORE_COLUMNS, "trained_as_of", "backtest_run_id")


class BacktestScoresWriter:
    """Scores written quarter by quarter with COPY into a temporary table, then swapped into
    ml.deal_scores_backtest in one short transaction at `commit`: a reader never sees half a backtest and
    is not blocked while the quarters are scored, and no quarter's scores wait in memory for the last."""

    def __init__(self, warehouse_url: str) -> None:
        self._conn = psycopg.connect(warehouse_url, autocommit=True)
        ensure_schema(self._conn, "ml")
        self._conn.execute(BACKTEST_SCORES_DDL)
        self._conn.execute(
            "create temporary table backtest_scores_next (like ml.deal_scores_backtest including defaults)"
        )
        self.rows = 0

    def write(self, scores: pd.DataFrame) -> None:
        """Append `scores` (STORED_COLUMNS); as CSV, where an empty field is null."""
        columns = ", ".join(STORED_COLUMNS)
        text = scores[list(STORED_COLUMNS)].to_csv(index=False, header=False)
        with self._conn.cursor().copy(
            f"copy backtest_scores_next ({columns}) from stdin with (format csv)"
        ) as copy:
            copy.write(text)
        self.rows += len(scores)

    def commit(self) -> int:
        """Replace the table's rows with the ones written; returns how many."""
        with self._conn.transaction():
            self._conn.execute("truncate ml.deal_scores_backtest")
            self._conn.execute("insert into ml.deal_scores_backtest select * from backtest_scores_next")
        return self.rows

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> BacktestScoresWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def replace_backtest_scores(warehouse_url: str, scores: pd.DataFrame) -> int:
    """Replace the table's rows with `scores` (STORED_COLUMNS) in one transaction; returns the rows written."""
    with BacktestScoresWriter(warehouse_url) as writer:
        writer.write(scores)
        return writer.commit()
