"""Move the `champion` alias: promote a challenger that is not worse, or roll back to the previous champion.

Both models score the SAME holdout frame, so the comparison is like for like even when the champion was
trained months ago on an older window. Every decision is written as tags on the challenger's version, and
the order of champions is kept in a registered-model tag (`champion_history`, oldest first) so a rollback
knows where to go.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from mlflow import MlflowClient

from ml.evaluation.leakage import leak_suspicion, top_feature
from ml.evaluation.metrics import probability_metrics
from ml.registry.client import CHAMPION, alias_version, load_version, mlflow_client

# A challenger may be up to 0.005 nats of log loss worse and still be promoted: on a holdout of a few
# thousand snapshots, differences that small are noise (about 1% of a typical 0.5 log loss), and a
# fresher model trained on newer deals is preferred when the two are otherwise equal.
LOG_LOSS_TOLERANCE = 0.005
_logger = logging.getLogger(__name__)
HISTORY_TAG = "champion_history"
HISTORY_LIMIT = 100  # ~2 years of weekly retrains; keeps the tag far below MLflow's 5000-character limit


@dataclass(frozen=True)
class PromotionDecision:
    promoted: bool
    challenger_version: str
    previous_champion_version: str | None
    challenger_log_loss: float
    champion_log_loss: float | None
    reason: str
    suspect_feature: str | None = None
    """The feature a leak-suspect challenger leans on most (ml/evaluation/leakage.py), named to the user."""


def promote_if_not_worse(
    tracking_uri: str,
    challenger_version: str,
    holdout: pd.DataFrame,
    *,
    model_name: str,
    registry_uri: str | None = None,
    tolerance: float = LOG_LOSS_TOLERANCE,
    label: str,
    baselines: Mapping[str, np.ndarray] | None = None,
) -> PromotionDecision:
    """`compare_with_champion`, then `apply_decision`: in one step, for callers outside Dagster."""
    decision = compare_with_champion(
        tracking_uri,
        challenger_version,
        holdout,
        model_name=model_name,
        registry_uri=registry_uri,
        tolerance=tolerance,
        label=label,
        baselines=baselines,
    )
    apply_decision(tracking_uri, decision, model_name=model_name, registry_uri=registry_uri)
    return decision


def compare_with_champion(
    tracking_uri: str,
    challenger_version: str,
    holdout: pd.DataFrame,
    *,
    model_name: str,
    registry_uri: str | None = None,
    tolerance: float = LOG_LOSS_TOLERANCE,
    label: str,
    baselines: Mapping[str, np.ndarray] | None = None,
) -> PromotionDecision:
    """Score `holdout` (feature columns + `label`) with the challenger and the current champion: promote
    when the challenger's log loss is not higher than the champion's by > tolerance. With no champion to
    compare with (none yet, or one that cannot score), the challenger must instead beat the best of
    `baselines` (the stage probability, the CRM's probability, the forecast category's win rate, for the
    holdout rows; None skips this floor) on holdout AUC, or scores stay on the stage probability. A challenger
    that looks leaked (ml/evaluation/leakage.py: holdout AUC of 0.98 or more, or one feature carrying most of
    the gain) is refused, naming the suspect feature. The decision is written as tags on the challenger's
    version and its run; the alias does not move (see `apply_decision`)."""
    client = mlflow_client(tracking_uri, registry_uri)
    labels = holdout[label].to_numpy()
    challenger = load_version(client, model_name, challenger_version)
    challenger_metrics = probability_metrics(labels, challenger.predict_proba(holdout))
    challenger_loss = challenger_metrics["log_loss"]
    champion_version = alias_version(client, model_name, CHAMPION)
    champion_loss = None
    suspicion = leak_suspicion(challenger_metrics["auc"], challenger.predictor.booster)
    if champion_version == str(challenger_version):
        promoted, reason = True, "already champion"
    elif suspicion is not None:
        promoted, reason = False, suspicion
    elif champion_version is None:
        promoted, reason = _beats_best_baseline(
            labels, challenger_metrics["auc"], baselines, "no champion yet"
        )
    elif (champion_loss := _champion_log_loss(client, model_name, champion_version, holdout, label)) is None:
        promoted, reason = _beats_best_baseline(
            labels,
            challenger_metrics["auc"],
            baselines,
            f"champion v{champion_version} cannot score the current holdout",
        )
    else:
        promoted = challenger_loss <= champion_loss + tolerance
        verdict = "not worse than" if promoted else "worse than"
        reason = (
            f"log loss {challenger_loss:.4f} is {verdict} champion v{champion_version}'s {champion_loss:.4f}"
            f" (tolerance {tolerance}) on the same {len(holdout)}-row holdout"
        )
    decision = PromotionDecision(
        promoted,
        str(challenger_version),
        champion_version,
        challenger_loss,
        champion_loss,
        reason,
        suspect_feature=_suspect_feature(suspicion, challenger.predictor.booster),
    )
    _tag_decision(client, model_name, decision, run_id=challenger.run_id)
    return decision


def _suspect_feature(suspicion: str | None, booster) -> str | None:
    if suspicion is None:
        return None
    feature = top_feature(booster)
    return feature.name if feature else None


def _beats_best_baseline(
    labels: np.ndarray, auc: float, baselines: Mapping[str, np.ndarray] | None, why_no_champion: str
) -> tuple[bool, str]:
    """The floor for a model with no champion to beat: a better ranking of the holdout than the best of what
    the CRM already offers (the stage's probability, the rep's typed probability, the forecast category), or
    the stage probability serves reps as well as the model would."""
    if not baselines:
        return True, why_no_champion
    aucs = {
        name: probability_metrics(labels, probabilities)["auc"] for name, probabilities in baselines.items()
    }
    # A NaN AUC (a one-outcome holdout) shows nothing: it is never the best, and never beaten.
    best_name, best_auc = max(aucs.items(), key=lambda item: -np.inf if np.isnan(item[1]) else item[1])
    if auc > best_auc:
        return (
            True,
            f"{why_no_champion}; holdout AUC {auc:.3f} beats the best baseline ({best_name} {best_auc:.3f})",
        )
    return False, (
        f"{why_no_champion}, and holdout AUC {auc:.3f} is not above the best baseline ({best_name} "
        f"{best_auc:.3f}); scores stay on the stage probability"
    )


def apply_decision(
    tracking_uri: str,
    decision: PromotionDecision,
    *,
    model_name: str,
    registry_uri: str | None = None,
) -> bool:
    """Move `champion` to the challenger when the decision promotes it; True when the alias moved. A
    champion that changed since the comparison (a rollback in between) is not overridden."""
    client = mlflow_client(tracking_uri, registry_uri)
    current = alias_version(client, model_name, CHAMPION)
    if not decision.promoted or current == decision.challenger_version:
        return False
    if current != decision.previous_champion_version:
        _logger.warning(
            "%s: champion moved from v%s to v%s since the comparison; v%s is not promoted over it",
            model_name, decision.previous_champion_version, current, decision.challenger_version,
        )  # fmt: skip
        return False
    _move_champion(client, model_name, decision.challenger_version, previous=current)
    return True


def recorded_decision(
    tracking_uri: str, model_name: str, version: str, *, registry_uri: str | None = None
) -> PromotionDecision | None:
    """The decision `compare_with_champion` tagged on a version, or None when it was never compared."""
    tags = mlflow_client(tracking_uri, registry_uri).get_model_version(model_name, version).tags
    if "promotion.decision" not in tags:
        return None
    previous = tags.get("promotion.compared_with")
    champion_loss = tags.get("promotion.champion_log_loss")
    return PromotionDecision(
        promoted=tags["promotion.decision"] == "promoted",
        challenger_version=str(version),
        previous_champion_version=None if previous in (None, "none") else previous,
        challenger_log_loss=float(tags["promotion.challenger_log_loss"]),
        champion_log_loss=None if champion_loss is None else float(champion_loss),
        reason=tags.get("promotion.reason", ""),
        suspect_feature=tags.get("promotion.suspect_feature"),
    )


def rollback(tracking_uri: str, model_name: str, *, registry_uri: str | None = None) -> str:
    """Move `champion` back to the version that held it before the current one; returns that version."""
    client = mlflow_client(tracking_uri, registry_uri)
    history = _history(client, model_name)
    current = alias_version(client, model_name, CHAMPION)
    if current is not None and (not history or history[-1] != current):
        history.append(current)  # the alias was moved by hand: it is still the newest champion
    if len(history) < 2:
        raise ValueError(
            f"no earlier champion of {model_name} to roll back to (history: {history or 'empty'})"
        )
    demoted, restored = history[-1], history[-2]
    client.set_registered_model_alias(model_name, CHAMPION, restored)
    client.set_registered_model_tag(model_name, HISTORY_TAG, ",".join(history[:-1]))
    client.set_model_version_tag(
        model_name, demoted, "rollback", f"{_now()} champion moved back to v{restored}"
    )
    return restored


def champion_history(tracking_uri: str, model_name: str, *, registry_uri: str | None = None) -> list[str]:
    """Versions that have been champion, oldest first; the last one holds the alias now."""
    return _history(mlflow_client(tracking_uri, registry_uri), model_name)


def _champion_log_loss(
    client: MlflowClient, model_name: str, version: str, holdout: pd.DataFrame, label: str
) -> float | None:
    """The champion's log loss on the holdout, or None when it cannot load or score it (its feature contract
    names a column that no longer exists, or its files are unreadable): a champion that cannot score
    would fail every morning's scoring too, so any working challenger should replace it."""
    try:
        champion = load_version(client, model_name, version)
        return probability_metrics(holdout[label].to_numpy(), champion.predict_proba(holdout))["log_loss"]
    except Exception as error:  # any failure means the same here; the cause goes to the log
        _logger.warning("champion v%s of %s cannot score the holdout: %s", version, model_name, error)
        return None


def _move_champion(client: MlflowClient, model_name: str, version: str, *, previous: str | None) -> None:
    history = _history(client, model_name)
    if previous is not None and (not history or history[-1] != previous):
        history.append(previous)  # the alias was set by hand: keep it so a rollback can return to it
    client.set_registered_model_alias(model_name, CHAMPION, version)
    client.set_registered_model_tag(model_name, HISTORY_TAG, ",".join((history + [version])[-HISTORY_LIMIT:]))


def _history(client: MlflowClient, model_name: str) -> list[str]:
    raw = client.get_registered_model(model_name).tags.get(HISTORY_TAG, "")
    return [version for version in raw.split(",") if version]


def _tag_decision(
    client: MlflowClient, model_name: str, decision: PromotionDecision, *, run_id: str | None = None
) -> None:
    tags = {
        "promotion.decision": "promoted" if decision.promoted else "rejected",
        "promotion.reason": decision.reason,
        "promotion.decided_at": _now(),
        "promotion.challenger_log_loss": f"{decision.challenger_log_loss:.6f}",
        "promotion.compared_with": decision.previous_champion_version or "none",
    }
    if decision.champion_log_loss is not None:
        tags["promotion.champion_log_loss"] = f"{decision.champion_log_loss:.6f}"
    if decision.suspect_feature is not None:
        tags["promotion.suspect_feature"] = decision.suspect_feature
    for key, value in tags.items():
        client.set_model_version_tag(model_name, decision.challenger_version, key, value)
    if run_id is not None and decision.suspect_feature is not None:
        # On the training run too: whoever opens the run in MLflow sees which field to check.
        client.set_tag(run_id, "suspect_feature", decision.suspect_feature)
        client.set_tag(run_id, "promotion.reason", decision.reason)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
