"""The rows the quarter-win model learns from: every snapshot of the fiscal quarters that ended before a given
day, labelled 1 when the deal was won inside the snapshot's own (as-of) quarter, whatever its close date said.

Point in time: a quarter that ended before the day has its outcome known on the day, whatever the deal did
since (still open means not won in that quarter, so open deals are rows too; the win model's
`known_before` would drop them and overstate the wins). The fiscal quarter's end is the as-of date plus the
snapshot's days_left_in_quarter, so the fiscal calendar is dbt's (var fiscal_year_start_month).
"""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import psycopg
from psycopg import sql

from ml.backtest.history import read_snapshots_where
from ml.data.dataset import SNAPSHOTS_RELATION

LABEL = "label_won_in_quarter"
# Beyond this many rows a fit only gets slower: a deal's snapshots of one quarter are near copies.
ROWS_CAP = 250_000

QUARTER_ENDED = sql.SQL("snapshots.as_of_date + snapshots.days_left_in_quarter < {before}")


def read_quarter_win_rows(warehouse_url: str, before: date, cap: int = ROWS_CAP) -> pd.DataFrame:
    """Snapshots of the quarters that ended before `before`, with LABEL; one in k of them (k from a hash of
    deal and date, the same on every run) when there are more than `cap`."""
    where = QUARTER_ENDED.format(before=sql.Literal(before))
    count = sql.SQL("select count(*) from {snapshots} as snapshots where {where}").format(
        snapshots=sql.Identifier(*SNAPSHOTS_RELATION), where=where
    )
    with psycopg.connect(warehouse_url) as conn:
        rows = conn.execute(count).fetchone()[0]
    step = max(1, math.ceil(rows / cap))
    if step > 1:
        row_hash = sql.SQL("hashtext(snapshots.opportunity_id || cast(snapshots.as_of_date as text))")
        where = sql.SQL("{where} and abs({row_hash}) % {step} = 0").format(
            where=where, row_hash=row_hash, step=sql.Literal(step)
        )
    frame = read_snapshots_where(warehouse_url, where)
    as_of = pd.to_datetime(frame["as_of_date"])
    closed = pd.to_datetime(frame["closed_date"])  # NaT while open: never inside
    quarter_end = as_of + pd.to_timedelta(frame["days_left_in_quarter"].astype("float64"), unit="D")
    frame[LABEL] = ((frame["label_won"] == 1) & (closed >= as_of) & (closed <= quarter_end)).astype("int64")
    return frame
