"""The models' latest monitoring checks (feature drift, calibration since training), as Dagster recorded them.

The morning job evaluates them as asset checks on ml/deal_scores (orchestration/ml/); their results live in
Dagster's run history under MOMENTUM_HOME/dagster, not in the warehouse, so the Models page reads them there.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

import streamlit as st

from warehouse.settings import load_settings

CHECKS = ("win_feature_drift", "win_calibration_since_training", "slip_calibration_since_training")
SCORES_KEY = ("ml", "deal_scores")


def warm_up() -> None:
    """Read the checks in the background, once per process: importing Dagster and opening its instance take
    seconds (3 + 4 s measured on a busy 2-core machine) that the Models page would otherwise spend on its first
    visit."""
    global _warming
    if _warming is None:
        _warming = threading.Thread(target=_read_quietly, daemon=True, name="read-monitoring-checks")
        _warming.start()


def _read_quietly() -> None:
    with contextlib.suppress(Exception):  # the Models page reads them again, and shows what went wrong
        latest_checks()


_warming: threading.Thread | None = None


@dataclass(frozen=True)
class CheckResult:
    name: str
    passed: bool
    evaluated_at: str
    description: str
    metadata: dict[str, float | str]


@st.cache_data(ttl=3600, show_spinner=False)  # the checks change once a morning
def latest_checks(dagster_home: str | None = None) -> list[CheckResult]:
    """The latest evaluation of each monitoring check; empty when Dagster has recorded none (or no history)."""
    import dagster as dg

    home = dagster_home or str(load_settings().dagster_home)
    if not (load_settings().dagster_home / "history").exists() and dagster_home is None:
        return []
    instance = dg.DagsterInstance.from_config(home)
    keys = [dg.AssetCheckKey(dg.AssetKey(list(SCORES_KEY)), name) for name in CHECKS]
    results = []
    for key, record in instance.event_log_storage.get_latest_asset_check_execution_by_key(keys).items():
        evaluation = (
            record.event.dagster_event.event_specific_data
            if record.event and record.event.dagster_event
            else None
        )
        if evaluation is None:
            continue
        results.append(
            CheckResult(
                name=key.name,
                passed=bool(evaluation.passed),
                evaluated_at=datetime.fromtimestamp(record.create_timestamp, UTC).strftime(
                    "%Y-%m-%d %H:%M UTC"
                ),
                description=evaluation.description or "",
                metadata={
                    name: getattr(value, "value", value) for name, value in evaluation.metadata.items()
                },
            )
        )
    return sorted(results, key=lambda result: CHECKS.index(result.name))
