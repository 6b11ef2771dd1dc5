"""The champions in use, watched: feature drift of today's deals and calibration on deals closed since
training (the measures are in ml/monitoring/measures.py; the Dagster checks in orchestration/ml/drift_checks.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
import psycopg
from psycopg import sql

from ml.data.dataset import SNAPSHOTS_RELATION, read_deals_to_score, read_labelled_snapshots
from ml.data.targets import Target
from ml.monitoring.calibration import (
    OUTCOME_DUE_AFTER,
    CalibrationSinceTraining,
    calibration_since_training,
    outcome_due,
)
from ml.monitoring.measures import PSI_WARN, load_profile, population_stability
from ml.registry.client import LoadedModel, load_champion, mlflow_client

TOP_DRIFTING = 5


@dataclass(frozen=True)
class FeatureDrift:
    model_version: str | None
    psi: pd.DataFrame
    """Per feature: `psi` and its `warn_above` level (ml/drift.population_stability), largest PSI first;
    empty when there is nothing to compare."""
    note: str = ""

    @property
    def drifted(self) -> pd.DataFrame:
        return self.psi[self.psi["psi"] > self.psi["warn_above"]]

    def describe(self) -> str:
        if self.note:
            return self.note
        if len(self.drifted):
            return (
                f"{len(self.drifted)} of {len(self.psi)} features shifted (PSI above {PSI_WARN} and above"
                f" sampling noise) since v{self.model_version} was trained: {_listed(self.drifted)}"
            )
        return f"no feature shifted since v{self.model_version} was trained; largest PSI: {_listed(self.psi)}"


def _listed(psi: pd.DataFrame) -> str:
    return ", ".join(f"{name} {value:.2f}" for name, value in psi["psi"].head(TOP_DRIFTING).items())


def feature_drift(target: Target, warehouse_url: str, tracking_uri: str, *, today: date) -> FeatureDrift:
    """PSI of today's open deals (as of `today`) against the profile saved with `target`'s champion."""
    champion = load_champion(tracking_uri, model_name=target.model_name)
    if champion is None:
        return FeatureDrift(None, _no_psi(), f"no {target.model_name} champion yet: nothing to compare")
    profile = load_profile(mlflow_client(tracking_uri), champion.run_id) if champion.run_id else None
    if not profile:
        return FeatureDrift(
            champion.version, _no_psi(), f"v{champion.version} was trained before feature profiles were saved"
        )
    deals = read_deals_to_score(warehouse_url, champion.predictor.feature_columns)
    if deals.empty:
        return FeatureDrift(champion.version, _no_psi(), "no open deals to compare today")
    return FeatureDrift(
        champion.version, population_stability(profile, deals, champion.predictor.categories, as_of=today)
    )


@dataclass(frozen=True)
class CalibrationCheck:
    model_version: str | None
    trained_as_of: date | None
    result: CalibrationSinceTraining | None

    @property
    def breached(self) -> bool:
        return self.result is not None and self.result.breached

    def describe(self, model_name: str) -> str:
        if self.result is None:
            return f"no {model_name} champion yet: nothing to check"
        return f"v{self.model_version}: {self.result.describe(self.trained_as_of)}"


def calibration_check(
    target: Target, warehouse_url: str, tracking_uri: str, *, today: date
) -> CalibrationCheck:
    """`target`'s champion on every snapshot from its training day to `today` whose deal's outcome was due
    before `today` and is known (calibration.outcome_due says why not every closed deal)."""
    champion = load_champion(tracking_uri, model_name=target.model_name)
    if champion is None:
        return CalibrationCheck(None, None, None)
    trained_as_of = _trained_as_of(tracking_uri, champion)
    rows = read_labelled_snapshots(
        warehouse_url, since=trained_as_of, before=today + timedelta(days=1), label=target.label_column
    )
    rows = rows[outcome_due(rows, target.label_column, today)]
    labels = rows[target.label_column].to_numpy()
    probabilities = champion.predict_proba(rows) if len(rows) else labels  # nothing to score yet
    due = _count_due_deals(warehouse_url, target.label_column, since=trained_as_of, today=today)
    return CalibrationCheck(
        champion.version,
        trained_as_of,
        calibration_since_training(
            rows, labels, probabilities, due_deals=max(due, rows["opportunity_id"].nunique())
        ),
    )


def _count_due_deals(warehouse_url: str, label: str, *, since: date, today: date) -> int:
    """Deals snapshotted from `since` whose `label` outcome was due before `today`, closed or still open
    (for label_slipped, lost deals are no slip question and do not count)."""
    query = sql.SQL(
        "select count(distinct opportunity_id) from {relation} where as_of_date >= {since}"
        " and as_of_date + cast({due_after} as integer) < {today}"
        + (" and coalesce(label_won, 1) = 1" if label == "label_slipped" else "")
    ).format(
        relation=sql.Identifier(*SNAPSHOTS_RELATION),
        due_after=sql.Identifier(OUTCOME_DUE_AFTER[label]),
        since=sql.Literal(since),
        today=sql.Literal(today),
    )
    with psycopg.connect(warehouse_url) as conn:
        return int(conn.execute(query).fetchone()[0])


def _trained_as_of(tracking_uri: str, champion: LoadedModel) -> date:
    """The as-of date the champion was trained at: it saw only snapshots before it."""
    tags = mlflow_client(tracking_uri).get_run(champion.run_id).data.tags
    return date.fromisoformat(tags["data_window.trained_as_of"])


def _no_psi() -> pd.DataFrame:
    return pd.DataFrame({"psi": pd.Series(dtype="float64"), "warn_above": pd.Series(dtype="float64")})
