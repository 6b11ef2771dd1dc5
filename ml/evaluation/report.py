"""`momentum evaluate`: the champions against the baselines (and, on demo data, the truth) on the holdout.

The holdout is the one training uses (ml/data/splits.py) for the same as-of date: the deals whose last labelled
snapshot before `as_of_date` falls in the newest quarter (13 weeks; the newest 20% of deals on a history
shorter than three quarters), every snapshot of them. Evaluate with the as-of date the
champion was trained on (the default: the newest snapshot date, which is the retrain's) and the champion
never saw these deals; an earlier date can put holdout deals into the champion's training side, which
`model.trained_as_of` lets a reader spot.

The returned dict is a contract for scripts and CI (`momentum evaluate --json`):

    {"win":  {"model": M, "stage_baseline": M, "crm_probability_baseline": M,
              "forecast_category_baseline": M, "oracle": M},
     "slip": {"model": M, "stage_baseline": M, "forecast_category_baseline": M, "oracle": M},
     "window": {"as_of_date": "YYYY-MM-DD", "truth_readable": bool,
                "win": W, "slip": W}}

    M = {"auc", "log_loss", "brier", "ece", "lift_top_decile", "positive_rate", "n"}  (null when undefined,
        e.g. AUC on one outcome); "model" also has "version" and "trained_as_of".
    Each target also holds "by_segment" and "by_stage" (stage = the CRM's stage sort order, so renamed
    stages compare): {"<value>": {"model": M, "stage_baseline": M, ...the target's other baselines}}.
    W = {"holdout_from", "holdout_to" (dates of the deals' last snapshots), "holdout_deals", "n",
         "split" ("quarters" or "deal_shares", ml/data/splits.py)}.

- "model" is absent while the target has no champion; "oracle" only when sim_truth is readable: the
  true p_win, and for slip the true P(slip | won) = 1 - P(won in the close date's quarter) / P(won).
  Oracle metrics are on the holdout rows that have a truth row; its "n" says how many.
- A target whose history cannot be split (too few closed deals) holds only {"note": "<why>"}.
- Baselines: win's stage baseline is the CRM stage's default probability, its crm_probability baseline
  the CRM's probability field as of each snapshot (the stage's default unless the rep typed their own; on
  the demo CRM always the default, so the two agree there). Slip has no probability in the CRM, so its
  stage baseline is each stage's historical slip rate and it has no crm_probability baseline. Forecast
  category baselines are each category's historical rate. Historical rates are learned on the training
  side only.
- Metrics are per snapshot row (ml/evaluation/metrics.py); ece uses 10 equal-width bins.
"""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd

from ml.data.dataset import read_labelled_snapshots
from ml.data.splits import split_by_last_snapshot
from ml.data.targets import SLIP, WIN, Target
from ml.evaluation.baselines import (
    CRM_PROBABILITY_BASELINE,
    FORECAST_BASELINE,
    STAGE_BASELINE,
    baseline_probabilities,
)
from ml.evaluation.metrics import probability_metrics
from ml.evaluation.truth import read_truth
from ml.registry.client import CHAMPION, alias_version, load_version, mlflow_client

METRIC_KEYS = ("auc", "log_loss", "brier", "ece", "lift_top_decile")
BASELINE_KEYS = {
    STAGE_BASELINE: "stage_baseline",
    CRM_PROBABILITY_BASELINE: "crm_probability_baseline",
    FORECAST_BASELINE: "forecast_category_baseline",
}
TRUE_PROBABILITY = {"win": "true_p_win", "slip": "true_p_slip"}  # sim_truth columns (ml/evaluation/truth.py)


def evaluate(
    warehouse_url: str,
    tracking_uri: str,
    as_of_date: date,
    truth_readable: bool,
    *,
    registry_uri: str | None = None,
) -> dict:
    """The contract in the module docstring, for snapshots before `as_of_date`."""
    report: dict = {"window": {"as_of_date": as_of_date.isoformat(), "truth_readable": truth_readable}}
    for target in (WIN, SLIP):
        result, window = evaluate_target(
            target, warehouse_url, tracking_uri, as_of_date, truth_readable, registry_uri
        )
        report[target.kind] = result
        if window:
            report["window"][target.kind] = window
    return report


def evaluate_target(
    target: Target,
    warehouse_url: str,
    tracking_uri: str,
    as_of_date: date,
    with_oracle: bool,
    registry_uri: str | None = None,
) -> tuple[dict, dict]:
    """(scorers -> metrics, window) for one target."""
    label = target.label_column
    split = split_by_last_snapshot(
        read_labelled_snapshots(warehouse_url, before=as_of_date, label=label), label
    )
    if problem := split.problem():
        return {"note": f"no {target.kind} holdout: {problem}"}, {}
    holdout, labels = split.holdout, split.holdout[label].to_numpy()
    training_side = pd.concat([split.fit, split.early_stopping, split.calibration], ignore_index=True)
    result: dict = {}
    client = mlflow_client(tracking_uri, registry_uri)
    version = alias_version(client, target.model_name, CHAMPION)
    if version is not None:
        champion = load_version(client, target.model_name, version)
        trained_as_of = client.get_run(champion.run_id).data.tags.get("data_window.trained_as_of")
        champion_scores = champion.predict_proba(holdout)
        metrics = json_metrics(labels, champion_scores)
        result["model"] = {"version": version, "trained_as_of": trained_as_of} | metrics
    scores = {"model": champion_scores} if version is not None else {}
    for name, probabilities in baseline_probabilities(training_side, holdout, label).items():
        result[BASELINE_KEYS[name]] = json_metrics(labels, probabilities)
        scores[BASELINE_KEYS[name]] = probabilities
    result["by_segment"] = _breakdown(holdout, label, scores, "segment")
    result["by_stage"] = _breakdown(holdout, label, scores, "stage_sort_order")
    if with_oracle:
        result["oracle"] = _oracle(warehouse_url, holdout, label, TRUE_PROBABILITY[target.kind])
    last_dates = holdout["last_as_of_date"]
    window = {
        "holdout_from": str(min(last_dates)),
        "holdout_to": str(max(last_dates)),
        "holdout_deals": int(holdout["opportunity_id"].nunique()),
        "n": len(holdout),
        "split": split.method,
    }
    return result, window


def json_metrics(labels: np.ndarray, probabilities: np.ndarray) -> dict:
    """The contract's metric object: NaN (undefined) as None so the JSON stays valid."""
    values = probability_metrics(labels, probabilities)
    metrics = {key: values[key] for key in METRIC_KEYS}
    metrics |= {"positive_rate": values["win_rate"], "n": int(values["rows"])}
    return {
        key: None if isinstance(value, float) and math.isnan(value) else value
        for key, value in metrics.items()
    }


def _breakdown(holdout: pd.DataFrame, label: str, scores: dict[str, np.ndarray], column: str) -> dict:
    """{value of `column`: {scorer: M}} over the holdout rows with that value (missing value: "unknown")."""
    keys = holdout[column].astype("object").where(holdout[column].notna(), "unknown").map(_key)
    labels = holdout[label].to_numpy()
    return {
        value: {
            scorer: json_metrics(labels[rows], probabilities[rows])
            for scorer, probabilities in scores.items()
        }
        for value in sorted(keys.unique())
        for rows in [(keys == value).to_numpy()]
    }


def _key(value: object) -> str:
    """Stage sort orders arrive as floats (3.0): show them as "3"."""
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _oracle(warehouse_url: str, holdout: pd.DataFrame, label: str, truth_column: str) -> dict:
    truth = read_truth(warehouse_url, first=min(holdout["as_of_date"]), last=max(holdout["as_of_date"]))
    joined = holdout[["opportunity_id", "as_of_date", label]].merge(
        truth, on=["opportunity_id", "as_of_date"], how="inner"
    )
    if joined.empty:
        return {"note": "no truth rows for the holdout's snapshots", "n": 0}
    return json_metrics(joined[label].to_numpy(), joined[truth_column].to_numpy())
