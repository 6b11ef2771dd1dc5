"""How long scoring takes: the win and slip champions on N open deals, with the top factors for and against,
and the quarter-win model the morning needs (read its training rows, fingerprint them, fit; or load the run of
an earlier morning with the same rows, ml/quarter_wins/store.py).

    .venv/bin/python -m bench.scoring --deals 100000     # on the warehouse of MOMENTUM_HOME / MOMENTUM_WAREHOUSE_URL

Reads today's deals from marts.ml_open_deals__features (after a morning run) and repeats them up to --deals rows,
so the timing does not depend on how many deals happen to be open. Times each stage separately: the read,
P(win), P(slip), LightGBM's contributions and the factor sentences. Writes nothing (the fit is not logged).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
import psycopg
from psycopg import sql

from ml.data.dataset import TO_SCORE_RELATION, read_deals_to_score
from ml.data.targets import SLIP, WIN
from ml.quarter_wins.history import LABEL, read_quarter_win_rows
from ml.quarter_wins.model import fit_quarter_win_model
from ml.quarter_wins.store import cached_model, training_fingerprint
from ml.registry.client import load_champion, mlflow_client
from ml.scoring.explanations import top_factors
from warehouse.server import mlflow_database_url, pipeline_warehouse_url
from warehouse.settings import load_settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, default=100_000)
    args = parser.parse_args()
    settings = load_settings()
    url, tracking = pipeline_warehouse_url(settings), mlflow_database_url(settings)
    win, slip = (
        load_champion(tracking, model_name=WIN.model_name),
        load_champion(tracking, model_name=SLIP.model_name),
    )
    if win is None:
        raise SystemExit("no win champion: run `momentum retrain` (or `momentum demo`) first")
    timings: dict[str, float] = {}

    started = time.perf_counter()
    open_deals = read_deals_to_score(url, win.predictor.feature_columns)
    timings["read today's deals"] = time.perf_counter() - started
    if open_deals.empty:
        raise SystemExit("marts.ml_open_deals__features is empty: run the morning job first")
    repeats = -(-args.deals // len(open_deals))
    deals = pd.concat([open_deals] * repeats, ignore_index=True).head(args.deals)

    started = time.perf_counter()
    p_win = win.predict_proba(deals)
    timings["p_win"] = time.perf_counter() - started
    if slip is not None and set(slip.predictor.feature_columns) <= set(deals.columns):
        started = time.perf_counter()
        slip.predict_proba(deals)
        timings["p_slip"] = time.perf_counter() - started
    started = time.perf_counter()
    contributions = win.contributions(deals)
    timings["contributions"] = time.perf_counter() - started
    started = time.perf_counter()
    raised, _ = top_factors(contributions, deals)
    timings["factor sentences"] = time.perf_counter() - started

    trees = win.predictor.booster.num_trees()
    leaves = win.predictor.booster.params.get("num_leaves")
    print(f"{len(deals):,} deals ({len(open_deals):,} open today, repeated), win model v{win.version}:"
          f" {trees} trees, {leaves} leaves, {len(win.predictor.feature_columns)} features")  # fmt: skip
    for stage, seconds in timings.items():
        print(f"  {stage:<20} {seconds:7.2f} s")
    scored = sum(seconds for stage, seconds in timings.items() if stage != "read today's deals")
    print(f"  {'total (scoring)':<20} {scored:7.2f} s  ({len(deals) / scored:,.0f} deals/s)")
    print(f"  mean p_win {np.mean(p_win):.3f}; e.g. {raised[0]!r}")
    _quarter_win_model(url, tracking)


def _quarter_win_model(url: str, tracking: str) -> None:
    """The quarter-win model of the quarters ended before today's deals' date, as the morning gets it."""
    with psycopg.connect(url) as conn:
        today = conn.execute(
            sql.SQL("select max(as_of_date) from {}").format(sql.Identifier(*TO_SCORE_RELATION))
        ).fetchone()[0]
    timings: dict[str, float] = {}
    started = time.perf_counter()
    rows = read_quarter_win_rows(url, before=today)
    timings["read training rows"] = time.perf_counter() - started
    started = time.perf_counter()
    fingerprint = training_fingerprint(rows)
    timings["fingerprint"] = time.perf_counter() - started
    started = time.perf_counter()
    model = fit_quarter_win_model(rows)
    timings["fit"] = time.perf_counter() - started
    started = time.perf_counter()
    cached = cached_model(mlflow_client(tracking), fingerprint, rows=len(rows), wins=int(rows[LABEL].sum()))
    timings["load logged run" if cached else "look up (no run)"] = time.perf_counter() - started
    print(f"quarter-win model: {len(rows):,} training rows, {0 if model is None else model.wins:,} wins")
    for stage, seconds in timings.items():
        print(f"  {stage:<20} {seconds:7.2f} s")


if __name__ == "__main__":
    main()
