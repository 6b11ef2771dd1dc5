"""Read what the backtest needs, in bounded pieces: the rows the models train on (once, sampled to at most
TRAINING_ROWS_CAP) and each quarter's snapshots to score (one quarter at a time), plus the complete fiscal
quarters the forecast calendar covers.

A label is known from the day after the deal closed: `label_won` and `label_slipped` both come from the
deal's close (docs/ARCHITECTURE.md, "As-of dates and labels"), so a model trained for as-of date D may learn
only from snapshots whose deal closed before D (`closed_date < D`). The snapshot mart holds final outcomes,
so this filter (`known_before`) is what keeps the backtest point-in-time.

Memory: holding every snapshot made the backtest grow with the CRM (large preset: 2.1M rows, 3.2 GiB). Now
it holds the training sample and one quarter, numbers as float32 and categoricals as pandas categories.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from datetime import date

import pandas as pd
import psycopg
from psycopg import sql

from ml.data.dataset import SNAPSHOTS_RELATION, _feature_selects
from ml.data.features import CATEGORICAL_FEATURES, FEATURE_COLUMNS

OPPORTUNITIES_RELATION = ("staging", "stg_crm__opportunities")
FORECAST_WEEKS_RELATION = ("intermediate", "int_forecast_weeks")
# At most this many labelled snapshots train a quarter's models. A deal's weekly snapshots are near copies
# of each other (the deals, not their rows, carry the signal), so beyond this the fits only get slower.
# Measured on a tenth of the large preset (170k labelled rows): one row in 7 (26k rows) cost 0.004-0.005
# out-of-time AUC of p_win per quarter (0.838/0.848/0.860/0.887 -> 0.834/0.844/0.855/0.882), one in 11
# up to 0.018; the large preset (~2M rows) keeps one in 8 at this cap, ten times the tenth's deals.
TRAINING_ROWS_CAP = 250_000
TEXT_COLUMNS = ("opportunity_id", "as_of_date", "closed_date")
LABELLED = sql.SQL("(snapshots.label_won is not null or snapshots.label_slipped is not null)")


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


def training_sample_step(warehouse_url: str, before: date, cap: int = TRAINING_ROWS_CAP) -> int:
    """k such that one weekly snapshot in k of the deals closed before `before` stays under `cap` rows."""
    query = sql.SQL(
        "select count(*) from {snapshots} as snapshots join {opportunities} as deals using (opportunity_id)"
        " where snapshots.as_of_date < %s and deals.closed_date < %s and {labelled}"
    ).format(
        labelled=LABELLED,
        snapshots=sql.Identifier(*SNAPSHOTS_RELATION),
        opportunities=sql.Identifier(*OPPORTUNITIES_RELATION),
    )
    with psycopg.connect(warehouse_url) as conn:
        rows = conn.execute(query, (before, before)).fetchone()[0]
    return max(1, math.ceil(rows / cap))


def read_training_rows(warehouse_url: str, before: date, step: int = 1) -> pd.DataFrame:
    """The labelled snapshots dated before `before` of deals closed before it, one weekly snapshot in `step`.

    The sample is systematic per deal: a deal keeps the weeks whose number is its own offset modulo `step`
    (offset from a hash of its id), so every row has the same 1/`step` chance and the mix of early and late,
    short and long deals is the one the models score. It depends only on the deal and the date: point in
    time, and the same on every run."""
    sampled = sql.SQL("true")
    if step > 1:
        sampled = sql.SQL(
            "(snapshots.as_of_date - date '2000-01-03') / 7 % {step}"
            " = abs(hashtext(snapshots.opportunity_id) % {step})"
        ).format(step=sql.Literal(step))
    return read_snapshots_where(
        warehouse_url,
        sql.SQL(
            "snapshots.as_of_date < {before} and deals.closed_date < {before} and {labelled} and {sampled}"
        ).format(before=sql.Literal(before), labelled=LABELLED, sampled=sampled),
    )


def read_quarter_snapshots(warehouse_url: str, start: date, end: date) -> pd.DataFrame:
    """Every snapshot dated `start`..`end` (open deals included): the rows a quarter's backtest scores."""
    return read_snapshots_where(
        warehouse_url,
        sql.SQL("snapshots.as_of_date between {start} and {end}").format(
            start=sql.Literal(start), end=sql.Literal(end)
        ),
    )


def read_snapshots(warehouse_url: str, before: date) -> pd.DataFrame:
    """Every snapshot dated before `before`, labelled or not (tests and one-off analyses; the backtest
    reads in bounded pieces)."""
    before_day = sql.SQL("snapshots.as_of_date < {before}").format(before=sql.Literal(before))
    return read_snapshots_where(warehouse_url, before_day)


def read_snapshots_where(warehouse_url: str, where: sql.Composable) -> pd.DataFrame:
    """Snapshots matching `where` with the deal's `closed_date` (null while open), the labels and the
    features: numbers as float32, categoricals as pandas categories, dates as `date`."""
    context = [
        sql.SQL("opportunity_id"),
        sql.SQL("cast(as_of_date as text) as as_of_date"),
        sql.SQL("cast(deal_closed_date as text) as closed_date"),
        sql.SQL("cast(label_won as double precision) as label_won"),
        sql.SQL("cast(label_slipped as double precision) as label_slipped"),
    ]
    # The deal's closed date joined in a subquery, so the feature columns keep their plain names.
    query = sql.SQL(
        "copy (select {columns} from (select snapshots.*, deals.closed_date as deal_closed_date"
        " from {snapshots} as snapshots left join (select opportunity_id, closed_date from {opportunities})"
        " as deals using (opportunity_id) where {where}) as snapshots) to stdout with (format csv, header true)"
    ).format(
        columns=sql.SQL(", ").join(context + _feature_selects(FEATURE_COLUMNS)),
        snapshots=sql.Identifier(*SNAPSHOTS_RELATION),
        opportunities=sql.Identifier(*OPPORTUNITIES_RELATION),
        where=where,
    )
    buffer = io.BytesIO()
    with psycopg.connect(warehouse_url) as conn, conn.cursor() as cursor, cursor.copy(query) as stream:
        for block in stream:
            buffer.write(block)
    buffer.seek(0)
    dtypes = {column: "float32" for column in FEATURE_COLUMNS if column not in CATEGORICAL_FEATURES}
    dtypes |= dict.fromkeys(CATEGORICAL_FEATURES, "category") | dict.fromkeys(TEXT_COLUMNS, "object")
    # Only an empty field is null: "NA" is a perfectly good level. The stage probability stays float64:
    # it is also the fallback score, stored as double precision.
    frame = pd.read_csv(
        buffer, dtype=dtypes | {"stage_default_probability": "float64"}, keep_default_na=False, na_values=[""]
    )
    del buffer
    for column in ("as_of_date", "closed_date"):
        frame[column] = pd.to_datetime(frame[column]).dt.date
    return frame


def known_before(snapshots: pd.DataFrame, label: str, day: date) -> pd.DataFrame:
    """The rows a model trained on `day` could learn `label` from: dated before `day`, of deals closed
    before `day` (so their label was known), with each deal's last such date for the time split."""
    closed = snapshots["closed_date"]
    known = snapshots[
        snapshots[label].notna() & (snapshots["as_of_date"] < day) & closed.notna() & (closed < day)
    ].copy()
    known[label] = known[label].astype("int64")
    # The max over day numbers, not `date` objects: pandas takes the max of objects in pure Python (2.6 s
    # of a quarter's 10 on a tenth of the large preset).
    day_numbers = known["as_of_date"].map(date.toordinal)
    last_day = day_numbers.groupby(known["opportunity_id"]).max().map(date.fromordinal)
    known["last_as_of_date"] = known["opportunity_id"].map(last_day)
    return known.sort_values(["as_of_date", "opportunity_id"], kind="stable").reset_index(drop=True)
