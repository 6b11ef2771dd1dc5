"""Read what the backtest needs in one pass: every snapshot (features, amount, labels) with the day its label
became known, and the complete fiscal quarters the forecast calendar covers.

A label is known from the day after the deal closed: `label_won` and `label_slipped` both come from the
deal's close (docs/ARCHITECTURE.md, "As-of dates and labels"), so a model trained for as-of date D may learn
only from snapshots whose deal closed before D (`closed_date < D`). The snapshot mart holds final outcomes,
so this filter is what keeps the backtest point-in-time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import psycopg
from psycopg import sql

from ml.data.dataset import SNAPSHOTS_RELATION, _copy_frame, _feature_selects
from ml.data.features import FEATURE_COLUMNS

OPPORTUNITIES_RELATION = ("staging", "stg_crm__opportunities")
FORECAST_WEEKS_RELATION = ("intermediate", "int_forecast_weeks")


@dataclass(frozen=True)
class Quarter:
    label: str
    start: date
    end: date


def complete_quarters(warehouse_url: str, today: date) -> list[Quarter]:
    """The fiscal quarters of the forecast calendar that ended before `today`, oldest first."""
    query = sql.SQL(
        "select distinct fiscal_quarter, fiscal_quarter_start_date, fiscal_quarter_end_date from {weeks}"
        " where fiscal_quarter_end_date < %s order by fiscal_quarter_start_date"
    ).format(weeks=sql.Identifier(*FORECAST_WEEKS_RELATION))
    with psycopg.connect(warehouse_url) as conn:
        return [Quarter(*row) for row in conn.execute(query, (today,)).fetchall()]


def read_snapshots(warehouse_url: str, before: date) -> pd.DataFrame:
    """Every snapshot dated before `before`, labelled or not, with the deal's `closed_date` (null while
    open) and what the forecast sums (owner, amount, stage probability)."""
    context = [
        sql.SQL("opportunity_id"),
        sql.SQL("cast(as_of_date as text) as as_of_date"),
        sql.SQL("cast(deal_closed_date as text) as closed_date"),
        sql.SQL("cast(stage_default_probability as double precision) as stage_default_probability"),
        sql.SQL("cast(label_won as double precision) as label_won"),
        sql.SQL("cast(label_slipped as double precision) as label_slipped"),
    ]
    # The deal's closed date joined in a subquery, so the feature columns keep their plain names.
    query = sql.SQL(
        "select {columns} from (select snapshots.*, deals.closed_date as deal_closed_date"
        " from {snapshots} as snapshots left join (select opportunity_id, closed_date from {opportunities})"
        " as deals using (opportunity_id) where snapshots.as_of_date < {before}) as snapshots"
    ).format(
        columns=sql.SQL(", ").join(context + _feature_selects(FEATURE_COLUMNS)),
        snapshots=sql.Identifier(*SNAPSHOTS_RELATION),
        opportunities=sql.Identifier(*OPPORTUNITIES_RELATION),
        before=sql.Literal(before),
    )
    frame = _copy_frame(warehouse_url, query, text_columns=("opportunity_id", "as_of_date", "closed_date"))
    frame["as_of_date"] = pd.to_datetime(frame["as_of_date"]).dt.date
    frame["closed_date"] = pd.to_datetime(frame["closed_date"]).dt.date
    return frame


def known_before(snapshots: pd.DataFrame, label: str, day: date) -> pd.DataFrame:
    """The rows a model trained on `day` could learn `label` from: dated before `day`, of deals closed
    before `day` (so their label was known), with each deal's last such date for the time split."""
    closed = snapshots["closed_date"]
    known = snapshots[
        snapshots[label].notna() & (snapshots["as_of_date"] < day) & closed.notna() & (closed < day)
    ].copy()
    known[label] = known[label].astype("int64")
    known["last_as_of_date"] = known.groupby("opportunity_id")["as_of_date"].transform("max")
    return known.sort_values(["as_of_date", "opportunity_id"], kind="stable").reset_index(drop=True)
