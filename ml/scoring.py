"""Score every open deal with the champion and write ml_outputs.deal_scores (one row per deal per date).

Without a champion (too little history yet) each deal gets its CRM stage's default probability, marked
score_source = 'stage_probability', so downstream marts and the CRM sync never see a gap.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd
import psycopg

from ml.dataset import read_deals_to_score
from ml.explanations import top_factors
from ml.registry import WinModel, load_champion

SCORE_COLUMNS = (
    "opportunity_id", "as_of_date", "p_win", "score_source", "model_name", "model_version",
    "top_factors_for", "top_factors_against", "scored_at",
)  # fmt: skip
# p_win is null only on the fallback path for a deal whose stage has no default probability, a defect
# the feature suite reports; a made-up number would be worse than an honest gap.
DEAL_SCORES_DDL = """
create schema if not exists ml_outputs;
create table if not exists ml_outputs.deal_scores (
    opportunity_id text not null,
    as_of_date date not null,
    p_win double precision,
    score_source text not null,
    model_name text not null,
    model_version text not null,
    top_factors_for text,
    top_factors_against text,
    scored_at timestamptz not null,
    primary key (as_of_date, opportunity_id)
)
"""
FALLBACK_SOURCE, FALLBACK_MODEL, FALLBACK_VERSION = (
    "stage_probability",
    "stage_default_probability",
    "stage-default",
)
P_WIN_DECIMALS = 4  # the CRM field ai_win_probability is numeric(5, 4)


@dataclass(frozen=True)
class ScoringSummary:
    as_of_date: date
    rows_written: int
    score_source: str
    model_name: str
    model_version: str
    mean_p_win: float | None
    seconds: float


def score_open_deals(
    warehouse_url: str,
    tracking_uri: str,
    *,
    as_of_date: date,
    scored_at: datetime,
    registry_uri: str | None = None,
) -> ScoringSummary:
    """Score every row of marts.ml_win__features and replace that as_of_date's rows of deal_scores."""
    started = time.perf_counter()
    champion = load_champion(tracking_uri, registry_uri=registry_uri)
    if champion is None:
        deals = read_deals_to_score(warehouse_url)
        scores = _stage_probability_scores(deals)
    else:
        deals = read_deals_to_score(warehouse_url, champion.predictor.feature_columns)
        scores = _model_scores(deals, champion)
    scores.insert(1, "as_of_date", as_of_date)
    scores["scored_at"] = scored_at
    _replace_scores(warehouse_url, as_of_date, scores)
    p_win = scores["p_win"].dropna()
    return ScoringSummary(
        as_of_date=as_of_date,
        rows_written=len(scores),
        score_source=FALLBACK_SOURCE if champion is None else "model",
        model_name=FALLBACK_MODEL if champion is None else champion.name,
        model_version=FALLBACK_VERSION if champion is None else champion.version,
        mean_p_win=float(p_win.mean()) if len(p_win) else None,
        seconds=time.perf_counter() - started,
    )


def _model_scores(deals: pd.DataFrame, model: WinModel) -> pd.DataFrame:
    if deals.empty:
        p_win, raised, lowered = np.array([]), [], []
    else:
        p_win = np.round(model.predict_proba(deals), P_WIN_DECIMALS)
        raised, lowered = top_factors(model.contributions(deals), deals)
    return pd.DataFrame(
        {
            "opportunity_id": deals["opportunity_id"].to_numpy(),
            "p_win": p_win,
            "score_source": "model",
            "model_name": model.name,
            "model_version": model.version,
            "top_factors_for": pd.Series(raised, dtype="object"),
            "top_factors_against": pd.Series(lowered, dtype="object"),
        }
    )


def _stage_probability_scores(deals: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "opportunity_id": deals["opportunity_id"].to_numpy(),
            "p_win": deals["stage_default_probability"].round(P_WIN_DECIMALS).to_numpy(),
            "score_source": FALLBACK_SOURCE,
            "model_name": FALLBACK_MODEL,
            "model_version": FALLBACK_VERSION,
            "top_factors_for": None,
            "top_factors_against": None,
        }
    )


def _replace_scores(warehouse_url: str, as_of_date: date, scores: pd.DataFrame) -> None:
    """Delete the date's rows and COPY the new ones in ONE transaction: readers see old or new, never half."""
    columns = ", ".join(SCORE_COLUMNS)
    with psycopg.connect(warehouse_url) as conn:
        conn.execute(DEAL_SCORES_DDL)
        conn.execute("delete from ml_outputs.deal_scores where as_of_date = %s", (as_of_date,))
        with conn.cursor().copy(f"copy ml_outputs.deal_scores ({columns}) from stdin") as copy:
            for row in scores[list(SCORE_COLUMNS)].itertuples(index=False, name=None):
                copy.write_row(tuple(_plain(value) for value in row))


def _plain(value: object) -> object:
    """NaN and pandas NA as SQL null; numpy scalars as Python numbers (what psycopg adapts)."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return value.item() if isinstance(value, np.generic) else value
