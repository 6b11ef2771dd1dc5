"""The demo CRM's truth (sim_truth.deal_daily): each open deal's true win and slip probability per snapshot date.

The ONLY module of ml/ that reads sim_truth, and only ml/evaluation/report.py imports it: training and scoring
must never see the truth (a test greps for it). A real warehouse has no sim_truth schema, so every
function here answers "not readable" instead of failing.
"""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
import psycopg

TRUTH_TABLE = "sim_truth.deal_daily"


def truth_readable(warehouse_url: str) -> bool:
    """True when sim_truth.deal_daily exists and this role may select from it."""
    with psycopg.connect(warehouse_url) as conn:
        exists = conn.execute("select to_regclass(%s) is not null", (TRUTH_TABLE,)).fetchone()[0]
        if not exists:
            return False
        return bool(conn.execute("select has_table_privilege(%s, 'select')", (TRUTH_TABLE,)).fetchone()[0])


def read_truth(warehouse_url: str, *, first: date, last: date) -> pd.DataFrame:
    """opportunity_id, as_of_date (date), true_p_win and true_p_slip (P(booked after the quarter of the
    close date shown then | won) = 1 - true_p_win_in_quarter / true_p_win) for as-of dates in
    [first, last], via COPY."""
    buffer = io.BytesIO()
    query = (
        "copy (select opportunity_id, cast(as_of_date as text) as as_of_date, true_p_win,"
        " greatest(0, least(1, 1 - true_p_win_in_quarter / nullif(true_p_win, 0))) as true_p_slip"
        f" from {TRUTH_TABLE} where as_of_date between %s and %s) to stdout with (format csv, header true)"
    )
    with (
        psycopg.connect(warehouse_url) as conn,
        conn.cursor() as cursor,
        cursor.copy(query, (first, last)) as stream,
    ):
        for block in stream:
            buffer.write(block)
    buffer.seek(0)
    frame = pd.read_csv(buffer, dtype={"opportunity_id": "object"}, keep_default_na=False, na_values=[""])
    frame["as_of_date"] = pd.to_datetime(frame["as_of_date"]).dt.date
    return frame
