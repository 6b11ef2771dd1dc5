"""The challenger a training run registered: compared with the champion, then promoted or not.

Training registers a `challenger` (ml/training/train.py); a Dagster asset check compares it with the `champion`
on the same holdout (rebuilt from the warehouse with the as-of date the challenger was trained on, so
both models score exactly the rows training held out) and tags the decision on the version; the champion
asset applies it. Without a recorded decision (the champion asset materialized on its own) it compares
first, so the alias never moves onto an unchecked model.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from ml.data.dataset import read_labelled_snapshots
from ml.data.splits import split_by_last_snapshot
from ml.data.targets import Target
from ml.evaluation.baselines import baseline_probabilities
from ml.registry.champion import PromotionDecision, apply_decision, compare_with_champion, recorded_decision
from ml.registry.client import CHALLENGER, CHAMPION, alias_version, mlflow_client

RUN_TAG = "dagster_run_id"  # set on every training run by the model assets


def challenger_of_run(
    tracking_uri: str, target: Target, dagster_run_id: str, *, registry_uri: str | None = None
) -> str | None:
    """The `challenger` version when this Dagster run trained it, else None (nothing trained this run)."""
    client = mlflow_client(tracking_uri, registry_uri)
    version = alias_version(client, target.model_name, CHALLENGER)
    if version is None:
        return None
    run_id = client.get_model_version(target.model_name, version).run_id
    return version if client.get_run(run_id).data.tags.get(RUN_TAG) == dagster_run_id else None


def compare_challenger(
    target: Target,
    warehouse_url: str,
    tracking_uri: str,
    version: str,
    *,
    registry_uri: str | None = None,
    stage_floor: bool = True,
) -> PromotionDecision:
    """Challenger `version` against the champion on the holdout the challenger was trained against. With
    `stage_floor` (MOMENTUM_PROMOTION_FLOOR, default on), a first champion must beat the best baseline (the
    stage probability, the CRM's probability, the forecast category: ml/evaluation/baselines.py)."""
    client = mlflow_client(tracking_uri, registry_uri)
    run = client.get_run(client.get_model_version(target.model_name, version).run_id)
    trained_as_of = date.fromisoformat(run.data.tags["data_window.trained_as_of"])
    snapshots = read_labelled_snapshots(warehouse_url, before=trained_as_of, label=target.label_column)
    split = split_by_last_snapshot(snapshots, target.label_column)
    training_side = pd.concat([split.fit, split.early_stopping, split.calibration], ignore_index=True)
    baselines = baseline_probabilities(training_side, split.holdout, target.label_column)
    return compare_with_champion(
        tracking_uri,
        version,
        split.holdout,
        model_name=target.model_name,
        registry_uri=registry_uri,
        label=target.label_column,
        baselines=baselines if stage_floor else None,
    )


@dataclass(frozen=True)
class ChampionOutcome:
    champion_version: str | None
    moved: bool
    message: str
    suspect_feature: str | None = None
    """The feature a leak-suspect challenger leans on (ml/evaluation/leakage.py), when it was refused for it."""


def promote_this_runs_challenger(
    target: Target,
    warehouse_url: str,
    tracking_uri: str,
    dagster_run_id: str,
    *,
    registry_uri: str | None = None,
    stage_floor: bool = True,
) -> ChampionOutcome:
    client = mlflow_client(tracking_uri, registry_uri)
    version = challenger_of_run(tracking_uri, target, dagster_run_id, registry_uri=registry_uri)
    if version is None:
        current = alias_version(client, target.model_name, CHAMPION)
        kept = f"champion v{current} stays" if current else "no champion yet"
        return ChampionOutcome(current, False, f"no {target.kind} challenger trained in this run; {kept}")
    decision = recorded_decision(tracking_uri, target.model_name, version, registry_uri=registry_uri)
    if decision is None:
        decision = compare_challenger(
            target, warehouse_url, tracking_uri, version, registry_uri=registry_uri, stage_floor=stage_floor
        )
    moved = apply_decision(tracking_uri, decision, model_name=target.model_name, registry_uri=registry_uri)
    current = alias_version(client, target.model_name, CHAMPION)
    if moved:
        verdict = f"v{version} promoted to champion"
    else:  # with no champion, the reason says what scores fall back to
        verdict = f"v{version} not promoted" + (f"; champion v{current} stays" if current else "")
    return ChampionOutcome(
        current, moved, f"{target.model_name}: {verdict} ({decision.reason})", decision.suspect_feature
    )
