"""Drift checks on `ml/deal_scores`, run with every morning: has the population moved since the
win champion was trained, and do the champions' probabilities still match what happened since?

Warnings, never blocking: yesterday's champion is still the best model there is until a retrain finds a
better one. The `retrain_on_drift` sensor (off until turned on) launches that retrain when one warns.
"""

import functools

import dagster as dg

from ml.data.targets import SLIP, WIN, Target
from ml.monitoring.watch import calibration_check, feature_drift
from orchestration.jobs import morning_job, retrain_job
from orchestration.resources import AS_OF_TAG, MomentumResource, as_of_date

DEAL_SCORES_KEY = dg.AssetKey(["ml", "deal_scores"])


def _warns_when_it_cannot_run(check):
    """A drift check that cannot run (an unreadable profile, a model store hiccup) warns with the error
    instead of failing the morning run: the scores and the CRM sync it watches are fine."""

    @functools.wraps(check)
    def _guarded(*args, **kwargs) -> dg.AssetCheckResult:
        try:
            return check(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 - reported as the check's result, with its type
            return dg.AssetCheckResult(
                passed=False,
                severity=dg.AssetCheckSeverity.WARN,
                description=f"the check could not run: {type(error).__name__}: {error}",
            )

    return _guarded


FEATURE_DRIFT_CHECK = "win_feature_drift"


@dg.asset_check(
    asset=DEAL_SCORES_KEY,
    name=FEATURE_DRIFT_CHECK,
    description="Population stability index of each feature, today's open deals against the pipeline the win "
    "champion was trained on; warns when one exceeds 0.25 and sampling noise.",
)
@_warns_when_it_cannot_run
def win_feature_drift(
    context: dg.AssetCheckExecutionContext, momentum: MomentumResource
) -> dg.AssetCheckResult:
    drift = feature_drift(WIN, momentum.url(), momentum.tracking_uri(), today=as_of_date(context))
    metadata = {f"psi_{name}": round(float(row.psi), 4) for name, row in drift.psi.head(10).iterrows()}
    # Each feature's own warn level (0.25, or its sampling noise if higher): without it a chart of the PSIs cannot
    # tell which of them the description counts as shifted (dashboard/drift.py).
    metadata |= {
        f"warn_above_{name}": round(float(row.warn_above), 4) for name, row in drift.psi.head(10).iterrows()
    }
    return dg.AssetCheckResult(
        passed=drift.drifted.empty,
        severity=dg.AssetCheckSeverity.WARN,
        description=drift.describe(),
        metadata=metadata,
    )


def _calibration_check_name(target: Target) -> str:
    return f"{target.kind}_calibration_since_training"


def _build_calibration_check(target: Target) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=DEAL_SCORES_KEY,
        name=_calibration_check_name(target),
        description=f"The {target.model_name} champion on snapshots taken since it was trained whose deals "
        "have closed since: warns when mean predicted and actual rate, or the ECE, differ by more than 0.10.",
    )
    @_warns_when_it_cannot_run
    def _check(context: dg.AssetCheckExecutionContext, momentum: MomentumResource) -> dg.AssetCheckResult:
        check = calibration_check(target, momentum.url(), momentum.tracking_uri(), today=as_of_date(context))
        result = check.result
        metadata = {}
        if result is not None and result.rows:
            metadata = {
                "resolved_deals": result.resolved_deals,
                "mean_predicted": round(result.mean_predicted, 4),
                "actual_rate": round(result.actual_rate, 4),
                "ece": round(result.ece, 4),
            }
        return dg.AssetCheckResult(
            passed=not check.breached,
            severity=dg.AssetCheckSeverity.WARN,
            description=check.describe(target.model_name),
            metadata=metadata,
        )

    return _check


DRIFT_CHECK_NAMES = frozenset({FEATURE_DRIFT_CHECK, *(_calibration_check_name(t) for t in (WIN, SLIP))})
drift_checks = [win_feature_drift, _build_calibration_check(WIN), _build_calibration_check(SLIP)]


def drift_warnings(evaluations) -> list[str]:
    """The drift checks that failed among a run's asset check evaluations, as "check: description"."""
    return [
        f"{evaluation.check_name}: {evaluation.description}"
        for evaluation in evaluations
        if evaluation.check_name in DRIFT_CHECK_NAMES and not evaluation.passed
    ]


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[morning_job],
    request_job=retrain_job,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="After a morning run whose drift checks warned, launch the retrain job (one per morning run).",
)
def retrain_on_drift(context: dg.RunStatusSensorContext):
    run = context.dagster_run
    records = context.instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
    warnings = drift_warnings(record.dagster_event.asset_check_evaluation_data for record in records)
    if not warnings:
        return dg.SkipReason("no drift check warned in this run")
    context.log.info("retrain requested: " + "; ".join(warnings))
    # The retrain sees the same day as the morning run that warned.
    tags = {AS_OF_TAG: run.tags[AS_OF_TAG]} if AS_OF_TAG in run.tags else {}
    return dg.RunRequest(run_key=f"drift-{run.run_id}", tags=tags | {"momentum/retrain_reason": "drift"})
