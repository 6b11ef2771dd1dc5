"""The oracle: how well the true P(win) itself scores, the ceiling for any win model on this CRM.

For every (deal, as-of date) in sim_truth.deal_daily inside a window whose deal has closed by the
CRM's today, the label is is_won and the prediction is true_p_win: the AUC, log loss and Brier score
no model can beat on those snapshots (in expectation). Only deals whose outcome is known count, so
a window ending close to today over-represents fast closes: the default window ends 26 weeks
before today (demo preset: ~95% of its snapshots have an outcome) and `known_share` says how many.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import psycopg
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

DEFAULT_WINDOW_WEEKS = 26
DEFAULT_WINDOW_END_WEEKS_AGO = 26
WINDOW_SQL = """
select d.true_p_win, o.is_won, o.is_closed
from sim_truth.deal_daily as d
join crm.opportunity as o on o.opportunity_id = d.opportunity_id
where d.as_of_date >= %(start)s and d.as_of_date < %(end)s
"""


def default_window(today: dt.date) -> tuple[dt.date, dt.date]:
    end = today - dt.timedelta(weeks=DEFAULT_WINDOW_END_WEEKS_AGO)
    return end - dt.timedelta(weeks=DEFAULT_WINDOW_WEEKS), end


def oracle_report(url: str, start: dt.date | None = None, end: dt.date | None = None) -> dict:
    """{"win": {...}, "slip": {"n": 0, ...}, "forecast": [], "window": {...}} for as-of dates in [start, end)."""
    with psycopg.connect(url) as conn:
        today = conn.execute("select current_date_value from sim_truth.clock").fetchone()[0]
        default_start, default_end = default_window(today)
        start, end = start or default_start, end or default_end
        rows = conn.execute(WINDOW_SQL, {"start": start, "end": end}).fetchall()
    p = np.array([r[0] for r in rows], dtype=float)
    won = np.array([bool(r[1]) for r in rows])
    known = np.array([bool(r[2]) for r in rows])
    window = {
        "start": start.isoformat(),
        "end_exclusive": end.isoformat(),
        "today": today.isoformat(),
        "snapshots": int(len(rows)),
        "known_share": round(float(known.mean()), 4) if len(rows) else None,
    }
    return {
        "win": _scores(p[known], won[known]),
        "slip": {"n": 0, "note": "not computed: needs P(win by quarter end), a time-dependent solve"},
        "forecast": [],
        "window": window,
    }


def _scores(p: np.ndarray, y: np.ndarray) -> dict:
    if len(np.unique(y)) < 2:
        return {"auc": None, "log_loss": None, "brier": None, "n": int(len(y))}
    clipped = np.clip(p, 1e-6, 1 - 1e-6)  # a true 0 or 1 on a deal that went the other way is infinite loss
    return {
        "auc": round(float(roc_auc_score(y, p)), 4),
        "log_loss": round(float(log_loss(y, clipped, labels=[False, True])), 4),
        "brier": round(float(brier_score_loss(y, p)), 4),
        "n": int(len(y)),
        "base_rate": round(float(y.mean()), 4),
    }
