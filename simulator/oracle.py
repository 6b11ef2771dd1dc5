"""The oracle: how well the truth itself scores, the ceiling for any model on this CRM.

win: for every (deal, as-of date) in sim_truth.deal_daily inside a window whose deal has closed by the
CRM's today, the label is is_won and the prediction true_p_win. slip: on the same snapshots of deals that
were won, the label is label_slipped (booked after the fiscal quarter holding the close date on the
as-of date) and the prediction the true P(slip | won) = 1 - true_p_win_in_quarter / true_p_win.
forecast: per complete fiscal quarter, the oracle forecast and its error (simulator.oracle_forecast).
Only deals whose outcome is known count, so a window ending close to today over-represents fast
closes: the default window ends 26 weeks before today and `known_share` says how many had an outcome.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import psycopg
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

from simulator.oracle_forecast import oracle_forecasts
from simulator.org import build_org
from simulator.state import load_state
from simulator.truth_quarter import deal_truth

DEFAULT_WINDOW_WEEKS = 26
DEFAULT_WINDOW_END_WEEKS_AGO = 26
WINDOW_SQL = """
select d.true_p_win, d.true_p_win_in_quarter, o.is_won, o.is_closed, o.closed_date > d.quarter_end_date
from sim_truth.deal_daily as d
join crm.opportunity as o on o.opportunity_id = d.opportunity_id
where d.as_of_date >= %(start)s and d.as_of_date < %(end)s
"""


def default_window(today: dt.date) -> tuple[dt.date, dt.date]:
    end = today - dt.timedelta(weeks=DEFAULT_WINDOW_END_WEEKS_AGO)
    return end - dt.timedelta(weeks=DEFAULT_WINDOW_WEEKS), end


def oracle_report(url: str, start: dt.date | None = None, end: dt.date | None = None) -> dict:
    """{"win": {...}, "slip": {...}, "forecast": [...], "window": {...}} for as-of dates in [start, end)."""
    with psycopg.connect(url) as conn:
        today = conn.execute("select current_date_value from sim_truth.clock").fetchone()[0]
        default_start, default_end = default_window(today)
        start, end = start or default_start, end or default_end
        rows = conn.execute(WINDOW_SQL, {"start": start, "end": end}).fetchall()
        forecast = _forecasts(conn, today)
    p_win, p_in_quarter = (np.array([r[i] for r in rows], dtype=float) for i in (0, 1))
    won, known = (np.array([bool(r[i]) for r in rows], dtype=bool) for i in (2, 3))
    slipped = np.array([bool(r[4]) for r in rows], dtype=bool)
    p_slip = np.clip(1 - p_in_quarter[won] / np.maximum(p_win[won], 1e-12), 0.0, 1.0)
    window = {
        "start": start.isoformat(),
        "end_exclusive": end.isoformat(),
        "today": today.isoformat(),
        "snapshots": int(len(rows)),
        "known_share": round(float(known.mean()), 4) if len(rows) else None,
    }
    return {
        "win": _scores(p_win[known], won[known]),
        "slip": _scores(p_slip, slipped[won]),
        "forecast": forecast,
        "window": window,
    }


def _forecasts(conn: psycopg.Connection, today: dt.date) -> list[dict]:
    config, seed, history_start, _, _ = load_state(conn)
    org = build_org(config, history_start, seed)
    kinds = tuple(sorted({(rep.segment, rep.activity) for rep in org.reps}))
    truth = deal_truth(config.latent, len(config.open_stages), kinds, config.fiscal_year_start_month)
    return oracle_forecasts(conn, config, org, truth, history_start, today)


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
