"""The drift measures against a real champion: its saved feature profile, its training day, its scores."""

from datetime import timedelta

import psycopg

from ml.data.targets import SLIP, WIN
from ml.monitoring.watch import calibration_check, feature_drift
from tests.ml.synthetic_marts import TODAY


def test_todays_deals_are_compared_with_the_profile_saved_with_the_champion(trained):
    # GIVEN the shared champion, trained on the synthetic history, and today's open deals from that history
    drift = feature_drift(WIN, trained.warehouse_url, trained.tracking_uri, today=TODAY)
    # THEN every profiled feature has a PSI and its warning level, and the text names the version.
    # (The synthetic history creates no deal in its last week, so today's deals are older than usual and
    # deal age itself may warn: a real difference, which is why only amount is asserted below.)
    assert drift.model_version == "1"
    assert len(drift.psi) >= 20 and drift.psi["psi"].notna().all()
    assert (drift.psi["warn_above"] >= 0.25).all()
    assert "amount" not in drift.drifted.index
    assert "since v1 was trained" in drift.describe()


def test_drift_reports_a_changed_population(trained, server_url):
    # GIVEN today's deals all carry ten times their amount (a currency switch in the CRM, say)
    with psycopg.connect(trained.warehouse_url, autocommit=True) as conn:
        conn.execute("update marts.ml_open_deals__features set amount = amount * 10")
        try:
            drift = feature_drift(WIN, trained.warehouse_url, trained.tracking_uri, today=TODAY)
        finally:
            conn.execute("update marts.ml_open_deals__features set amount = amount / 10")
    # THEN amount is the feature that drifted most, and the description says so
    assert drift.drifted.index[0] == "amount"
    assert drift.psi.loc["amount", "psi"] > 2
    assert "amount" in drift.describe() and "shifted" in drift.describe()


def test_calibration_is_measured_on_snapshots_since_the_champion_was_trained(trained):
    # GIVEN the champion trained as of TODAY: a check on TODAY sees no snapshot it was not trained before
    now = calibration_check(WIN, trained.warehouse_url, trained.tracking_uri, today=TODAY)
    assert now.trained_as_of == TODAY and now.model_version == "1"
    assert not now.breached
    assert now.result.rows == 0 or now.result.resolved_deals < 100
    assert "needed to judge calibration" in now.describe(WIN.model_name)


def test_calibration_check_without_a_champion_says_there_is_nothing_to_check(warehouse_url, tracking_uri):
    check = calibration_check(SLIP, warehouse_url, tracking_uri, today=TODAY + timedelta(days=1))
    assert check.result is None and not check.breached
    assert "no momentum_slip champion" in check.describe(SLIP.model_name)
