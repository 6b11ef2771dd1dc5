"""Train the win or slip model as of a date: read labelled snapshots, split by time, fit, evaluate against
the baselines, log to MLflow, register a `challenger` version and promote it if it is not worse.

One function for both targets (ml/data/targets.py); `train_win_model` and `train_slip_model` only name one."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from ml.data.dataset import count_closed_deals, read_labelled_snapshots, read_reference_pipeline
from ml.data.features import FEATURE_COLUMNS
from ml.data.readiness import crm_inventory, what_is_missing
from ml.data.splits import TimeSplit, split_by_last_snapshot
from ml.data.targets import SLIP, WIN, Target
from ml.evaluation.baselines import baseline_probabilities
from ml.evaluation.leakage import TopFeature, top_feature
from ml.evaluation.metrics import probability_metrics
from ml.monitoring.measures import feature_profile
from ml.registry.champion import PromotionDecision, promote_if_not_worse
from ml.registry.client import CHAMPION, alias_version, ensure_experiment, mlflow_client, register_challenger
from ml.training.fitting import LIGHTGBM_PARAMS, MIN_BOOST_ROUND, NUM_BOOST_ROUND, fit_predictor
from ml.training.model_card import render_model_card
from ml.training.predictor import Predictor
from ml.training.tracking import log_training_run


@dataclass(frozen=True)
class TrainingResult:
    trained: bool
    message: str
    """One line for logs and the Dagster UI: the outcome, or why nothing was trained."""
    won_deals: int
    lost_deals: int
    run_id: str | None = None
    model_version: str | None = None
    promotion: PromotionDecision | None = None
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)
    """Holdout metrics by scorer: "model", "stage_probability", "forecast_category"."""
    seconds: float = 0.0
    top_feature: TopFeature | None = None
    """The feature carrying the largest share of the trees' gain (ml/evaluation/leakage.py)."""


def train_win_model(warehouse_url: str, tracking_uri: str, artifact_root: str, **options) -> TrainingResult:
    """`train_model` for P(won); options as there."""
    return train_model(WIN, warehouse_url, tracking_uri, artifact_root, **options)


def train_slip_model(warehouse_url: str, tracking_uri: str, artifact_root: str, **options) -> TrainingResult:
    """`train_model` for P(slipped | won), on snapshots of won deals; `min_closed_per_class` counts slipped
    and in-quarter won deals."""
    return train_model(SLIP, warehouse_url, tracking_uri, artifact_root, **options)


def train_model(
    target: Target,
    warehouse_url: str,
    tracking_uri: str,
    artifact_root: str,
    *,
    as_of_date: date,
    min_closed_per_class: int,
    tags: dict[str, str],
    registry_uri: str | None = None,
    promote: bool = True,
    stage_floor: bool = True,
) -> TrainingResult:
    """Train `target` on labelled snapshots with as_of_date < `as_of_date` and register the result as `challenger`
    (and `champion` when it is not worse). With fewer than `min_closed_per_class` won or lost DEALS,
    or a history too short to split by time, nothing is trained and `message` says why in one line.

    `tags` (e.g. the Dagster run id) go on the MLflow run next to the data window. With promote=False
    the challenger is only registered: the Dagster retrain compares it in an asset check (ml/registry/challenger.py). Labels are the deals'
    final outcomes, so a backtest with a past `as_of_date` also learns outcomes that were known only
    later; for the weekly retrain (as of today) every label is already known.
    """
    started = time.perf_counter()
    label = target.label_column
    counts = count_closed_deals(warehouse_url, before=as_of_date, label=label)
    client = mlflow_client(tracking_uri, registry_uri)

    def not_trained(why: str) -> TrainingResult:
        champion = alias_version(client, target.model_name, CHAMPION)
        fallback = (
            f"champion v{champion} keeps scoring"
            if champion
            else "scores fall back to stage probability"
            if target is WIN
            else f"{target.output_column} stays empty"
        )
        # Name what the CRM lacks (stage history, activities), not only what the snapshots lack.
        missing = what_is_missing(crm_inventory(warehouse_url, before=as_of_date))
        seconds = time.perf_counter() - started
        message = "; ".join([why, *missing, fallback])
        return TrainingResult(False, message, counts.won, counts.lost, seconds=seconds)

    if min(counts.won, counts.lost) < min_closed_per_class:
        return not_trained(
            f"not enough closed deals to train: {counts.won} {target.positive}, {counts.lost} {target.negative},"
            f" need {min_closed_per_class} of each"
        )
    split = split_by_last_snapshot(
        read_labelled_snapshots(warehouse_url, before=as_of_date, label=label), label
    )
    if problem := split.problem():
        return not_trained(f"no {target.kind} model trained: {problem}")

    predictor = fit_predictor(split, target.output_column)
    training_side = _training_side(split)
    metrics = _holdout_metrics(predictor, split, training_side)
    window = _data_window(split, as_of_date)
    leading = top_feature(predictor.booster)
    run_id = log_training_run(
        client,
        ensure_experiment(client, artifact_root, target.experiment_name),
        target=target,
        run_name=f"{target.kind}-{as_of_date.isoformat()}",
        tags={**tags, **{f"data_window.{key}": value for key, value in window.items()}}
        | ({"top_feature": leading.name} if leading else {}),
        params=_params(predictor, split, as_of_date),
        metrics=_flat_metrics(metrics, predictor, split)
        | ({"top_feature_gain_share": leading.gain_share} if leading else {}),
        predictor=predictor,
        calibration_curves=_curves(predictor, split, training_side),
        model_card=render_model_card(
            as_of_date=as_of_date,
            data_window=window,
            counts={f"{target.positive} deals": counts.won, f"{target.negative} deals": counts.lost}
            | _slice_rows(split),
            metrics=metrics,
            feature_columns=predictor.feature_columns,
            calibration_method=predictor.calibrator.method,
            best_iteration=predictor.booster.num_trees(),
            model_name=target.model_name,
            predicts=target.predicts,
        ),
        input_example=split.holdout,
        feature_profile=feature_profile(
            read_reference_pipeline(warehouse_url, as_of_date, predictor.feature_columns),
            predictor.feature_columns,
            predictor.categories,
        ),
    )
    version = str(
        register_challenger(client, run_id, model_name=target.model_name, description=target.predicts).version
    )
    decision = None
    if promote:
        decision = promote_if_not_worse(
            tracking_uri,
            version,
            split.holdout,
            model_name=target.model_name,
            registry_uri=registry_uri,
            label=label,
            baselines=baseline_probabilities(training_side, split.holdout, label) if stage_floor else None,
        )
    model, stage = metrics["model"], metrics["stage_probability"]
    outcome = (
        "registered as challenger; the promotion check compares it with the champion"
        if decision is None
        else f"{'promoted to champion' if decision.promoted else 'not promoted'}: {decision.reason}"
    )
    message = (
        f"trained {target.model_name} v{version}: holdout AUC {model['auc']:.3f} (stage probability"
        f" {stage['auc']:.3f}), log loss {model['log_loss']:.3f} ({stage['log_loss']:.3f}); {outcome}"
    )
    return TrainingResult(
        True,
        message,
        counts.won,
        counts.lost,
        run_id,
        version,
        decision,
        metrics,
        time.perf_counter() - started,
        leading,
    )


def _holdout_metrics(
    predictor: Predictor, split: TimeSplit, training_side: pd.DataFrame
) -> dict[str, dict[str, float]]:
    holdout, labels = split.holdout, split.holdout[split.label].to_numpy()
    baselines = baseline_probabilities(training_side, holdout, split.label)
    return {"model": probability_metrics(labels, predictor.predict_proba(holdout))} | {
        name: probability_metrics(labels, probabilities) for name, probabilities in baselines.items()
    }


def _training_side(split: TimeSplit) -> pd.DataFrame:
    """Every row the model learned from (fit, early stopping, calibration): not the holdout."""
    return pd.concat([split.fit, split.early_stopping, split.calibration], ignore_index=True)


def _flat_metrics(metrics: dict[str, dict[str, float]], predictor: Predictor, split: TimeSplit) -> dict:
    prefixes = {
        "model": "holdout",
        "stage_probability": "baseline_stage",
        "crm_probability": "baseline_crm_probability",
        "forecast_category": "baseline_forecast",
    }
    flat = {
        f"{prefixes[scorer]}_{name}": value
        for scorer, values in metrics.items()
        for name, value in values.items()
    }
    return flat | {"best_iteration": predictor.booster.num_trees()} | _slice_rows(split)


def _slice_rows(split: TimeSplit) -> dict[str, int]:
    return {f"rows_{name}": len(rows) for name, rows in split.slices().items()}


def _data_window(split: TimeSplit, as_of_date: date) -> dict[str, str]:
    everything = pd.concat(list(split.slices().values()), ignore_index=True)
    window = {"first_as_of_date": str(min(everything["as_of_date"])), "trained_as_of": as_of_date.isoformat()}
    return window | {f"{name}_last_snapshots_from": str(start) for name, start in split.starts.items()}


def _params(predictor: Predictor, split: TimeSplit, as_of_date: date) -> dict[str, object]:
    return {
        **{f"lgb_{key}": value for key, value in LIGHTGBM_PARAMS.items()},
        "num_boost_round": NUM_BOOST_ROUND,
        "min_boost_round": MIN_BOOST_ROUND,
        "num_leaves": predictor.booster.params.get("num_leaves"),
        "min_data_in_leaf": predictor.booster.params.get("min_data_in_leaf"),
        "calibration_method": predictor.calibrator.method,
        "feature_count": len(FEATURE_COLUMNS),
        "split_method": split.method,
        "as_of_date": as_of_date.isoformat(),
    }


def _curves(predictor: Predictor, split: TimeSplit, training_side: pd.DataFrame) -> dict:
    labels = split.holdout[split.label].to_numpy()
    stage = baseline_probabilities(training_side, split.holdout, split.label)["stage_probability"]
    return {"model": (labels, predictor.predict_proba(split.holdout)), "stage baseline": (labels, stage)}
