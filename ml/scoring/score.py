"""Score every open deal with the champions and write ml.deal_scores (one row per deal per date).

Without a win champion (too little history yet) each deal gets its CRM stage's default probability, marked
score_source = 'stage_probability', so downstream marts and the CRM sync never see a gap.

p_slip comes from the slip champion and p_close_in_quarter = p_win x (1 - p_slip) (docs/ARCHITECTURE.md, "As-of dates and labels").
Without a slip champion both are NULL, not p_win: p_win is P(won at any time), and publishing it as
P(won this quarter) would overstate every quarter's forecast without saying so. A consumer that wants a
number anyway has to write coalesce(p_close_in_quarter, p_win) and so makes that choice visibly.

p_won_in_quarter, P(won inside today's fiscal quarter) whatever the close date says, comes from the
quarter-win model (ml/quarter_wins) of the quarters that ended before today, fitted once per training set
and then loaded from MLflow (ml/quarter_wins/store.py): the forecast's deal probability. Null while the
history holds too few of those wins.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd
import psycopg

from ml.data.dataset import read_deals_to_score
from ml.data.features import FEATURE_COLUMNS
from ml.data.targets import SLIP, WIN
from ml.quarter_wins.model import QuarterWinModel, quarter_win_probabilities
from ml.quarter_wins.store import quarter_win_model_before
from ml.registry.client import LoadedModel, load_champion
from ml.scoring.explanations import top_factors_with_names
from warehouse.schemas import ensure_schema

SCORE_COLUMNS = (
    "opportunity_id", "as_of_date", "p_win", "score_source", "model_name", "model_version",
    "top_factors_for", "top_factors_against", "scored_at", "p_slip", "p_close_in_quarter",
    "slip_model_version", "factors_for", "factors_against", "p_won_in_quarter",
)  # fmt: skip
# p_win is null only on the fallback path for a deal whose stage has no default probability, a defect
# the feature suite reports; a made-up number would be worse than an honest gap.
DEAL_SCORES_DDL = """
create table if not exists ml.deal_scores (
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
);
-- Added with the slip model: tables created before it get the columns here, null on older rows.
alter table ml.deal_scores
    add column if not exists p_slip double precision,
    add column if not exists p_close_in_quarter double precision,
    add column if not exists slip_model_version text;
-- Added with the deal insights (issue 16): the names of the top factors, the set behind the sentences.
alter table ml.deal_scores
    add column if not exists factors_for text,
    add column if not exists factors_against text;
-- Added with the quarter-win model (ml/quarter_wins).
alter table ml.deal_scores add column if not exists p_won_in_quarter double precision
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
    slip_model_version: str | None = None
    """None: no slip champion yet, so p_slip and p_close_in_quarter are null."""
    quarter_model_training_rows: int | None = None
    """Rows the quarter-win model learned from; None: too little history, so p_won_in_quarter is null."""


def score_open_deals(
    warehouse_url: str,
    tracking_uri: str,
    *,
    artifact_root: str,
    as_of_date: date,
    scored_at: datetime,
    registry_uri: str | None = None,
) -> ScoringSummary:
    """Score every row of marts.ml_open_deals__features and replace that as_of_date's rows of deal_scores."""
    started = time.perf_counter()
    champion = load_champion(tracking_uri, registry_uri=registry_uri, model_name=WIN.model_name)
    if champion is None:
        deals = read_deals_to_score(warehouse_url)
        scores = _stage_probability_scores(deals)
    else:
        deals = read_deals_to_score(warehouse_url, champion.predictor.feature_columns)
        scores = _model_scores(deals, champion)
    slip_champion = load_champion(tracking_uri, registry_uri=registry_uri, model_name=SLIP.model_name)
    _add_slip_scores(scores, deals, slip_champion, warehouse_url)
    quarter_model = quarter_win_model_before(warehouse_url, tracking_uri, artifact_root, as_of_date)
    _add_quarter_win_scores(scores, deals, quarter_model, warehouse_url)
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
        slip_model_version=None if slip_champion is None else slip_champion.version,
        quarter_model_training_rows=None if quarter_model is None else quarter_model.rows,
    )


def _add_slip_scores(
    scores: pd.DataFrame, deals: pd.DataFrame, slip: LoadedModel | None, warehouse_url: str
) -> None:
    """p_slip, p_close_in_quarter and slip_model_version, in place (null without a slip champion)."""
    if slip is None or deals.empty:
        scores["p_slip"], scores["p_close_in_quarter"], scores["slip_model_version"] = np.nan, np.nan, None
        return
    missing = [column for column in slip.predictor.feature_columns if column not in deals.columns]
    if missing:  # the slip champion's contract names columns the win champion's read did not fetch
        extra = read_deals_to_score(warehouse_url, missing).drop(columns=["stage_name"], errors="ignore")
        deals = deals.merge(extra[["opportunity_id", *missing]], on="opportunity_id", how="left")
    p_slip = slip.predict_proba(deals)
    scores["p_slip"] = np.round(p_slip, P_WIN_DECIMALS)
    scores["p_close_in_quarter"] = np.round(
        scores["p_win"].to_numpy(dtype="float64") * (1 - p_slip), P_WIN_DECIMALS
    )
    scores["slip_model_version"] = slip.version


def _add_quarter_win_scores(
    scores: pd.DataFrame, deals: pd.DataFrame, model: QuarterWinModel | None, warehouse_url: str
) -> None:
    """p_won_in_quarter, in place (null without a model)."""
    if model is not None and any(column not in deals.columns for column in FEATURE_COLUMNS):
        # The champion's contract is older than the quarter-win model's: read today's deals with the current one.
        deals = read_deals_to_score(warehouse_url).set_index("opportunity_id").loc[scores["opportunity_id"]]
    scores["p_won_in_quarter"] = np.round(
        quarter_win_probabilities(model, deals.reset_index(drop=True)), P_WIN_DECIMALS
    )


def _model_scores(deals: pd.DataFrame, model: LoadedModel) -> pd.DataFrame:
    if deals.empty:
        p_win, raised, lowered, raised_names, lowered_names = np.array([]), [], [], [], []
    else:
        p_win = np.round(model.predict_proba(deals), P_WIN_DECIMALS)
        raised, lowered, raised_names, lowered_names = top_factors_with_names(
            model.contributions(deals), deals
        )
    return pd.DataFrame(
        {
            "opportunity_id": deals["opportunity_id"].to_numpy(),
            "p_win": p_win,
            "score_source": "model",
            "model_name": model.name,
            "model_version": model.version,
            "top_factors_for": pd.Series(raised, dtype="object"),
            "top_factors_against": pd.Series(lowered, dtype="object"),
            "factors_for": pd.Series(raised_names, dtype="object"),
            "factors_against": pd.Series(lowered_names, dtype="object"),
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
            "factors_for": None,
            "factors_against": None,
        }
    )


def _replace_scores(warehouse_url: str, as_of_date: date, scores: pd.DataFrame) -> None:
    """Delete the date's rows and COPY the new ones in ONE transaction: readers see old or new, never half."""
    columns = ", ".join(SCORE_COLUMNS)
    with psycopg.connect(warehouse_url) as conn:
        ensure_schema(conn, "ml")
        conn.execute(DEAL_SCORES_DDL)
        conn.execute("delete from ml.deal_scores where as_of_date = %s", (as_of_date,))
        with conn.cursor().copy(f"copy ml.deal_scores ({columns}) from stdin") as copy:
            for row in scores[list(SCORE_COLUMNS)].itertuples(index=False, name=None):
                copy.write_row(tuple(_plain(value) for value in row))


def _plain(value: object) -> object:
    """NaN and pandas NA as SQL null; numpy scalars as Python numbers (what psycopg adapts)."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return value.item() if isinstance(value, np.generic) else value
