"""The morning's real payloads (the dbt views `reverse_etl.sync_crm__*` of the shared tiny demo) written back
through simple-salesforce into the local Salesforce server by the Dagster sync assets, as
`MOMENTUM_CRM=salesforce` runs them; the second run sends nothing."""

from __future__ import annotations

import dagster as dg
import psycopg

from orchestration.resources import MomentumResource
from reverse_etl.sync_state import reset_sync_state
from simulator.salesforce_api import serve_demo_crm


def _materialize_syncs(url: str) -> None:
    from orchestration.reverse_etl.assets import reverse_etl_assets

    result = dg.materialize(
        reverse_etl_assets,
        resources={"momentum": MomentumResource(warehouse_url=url)},
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert result.success


def test_the_sync_assets_write_through_the_salesforce_api_and_a_second_run_sends_nothing(
    tiny_demo, tmp_path, monkeypatch
):
    with tiny_demo.copy(tmp_path / "home") as url:
        monkeypatch.setenv("MOMENTUM_WAREHOUSE_URL", url)
        monkeypatch.setenv("MOMENTUM_HOME", str(tmp_path / "home"))
        # GIVEN an org that has none of what the demo destination wrote
        reset_sync_state(url)
        with psycopg.connect(url) as conn:
            conn.execute("delete from crm.task where ai_external_id is not null")
            conn.execute("update crm.opportunity set ai_win_probability = null, ai_model_version = null")
            conn.execute("delete from crm.momentum_forecast")
            payload = {
                "opportunity_fields": conn.execute(
                    "select count(*) from reverse_etl.sync_crm__opportunity_fields"
                ).fetchone()[0],
                "tasks": conn.execute("select count(*) from reverse_etl.sync_crm__tasks").fetchone()[0],
                "momentum_forecast": conn.execute(
                    "select count(*) from reverse_etl.sync_crm__momentum_forecast"
                ).fetchone()[0],
            }
        with serve_demo_crm(url) as server:
            monkeypatch.setenv("MOMENTUM_CRM", "salesforce")
            for name, value in server.environment().items():
                monkeypatch.setenv(name, value)

            # WHEN the syncs run twice
            _materialize_syncs(url)
            writes_after_first = [r for r in server.api.requests if r.method == "PATCH"]
            _materialize_syncs(url)
            writes_after_second = [r for r in server.api.requests if r.method == "PATCH"]

        # THEN the first wrote every payload record through the API, the second nothing
        with psycopg.connect(url) as conn:
            runs = conn.execute(
                "select sync_name, status, changed, written, failed from reverse_etl.sync_log order by started_at"
            ).fetchall()
            tasks = conn.execute(
                "select count(*), count(distinct ai_external_id) from crm.task where ai_external_id is not null"
            ).fetchone()
            scored = conn.execute(
                "select count(*) from crm.opportunity where ai_win_probability is not null"
            ).fetchone()[0]
            forecasts = conn.execute(
                "select count(*), count(distinct ai_external_id) from crm.momentum_forecast"
            ).fetchone()
    first, second = runs[-6:-3], runs[-3:]
    assert {(name, status, written) for name, status, _, written, _ in first} == {
        ("opportunity_fields", "succeeded", payload["opportunity_fields"]),
        ("tasks", "succeeded", payload["tasks"]),
        ("momentum_forecast", "succeeded", payload["momentum_forecast"]),
    }
    # AND the Momentum forecast records were upserted into Momentum_Forecast__c, once each
    assert payload["momentum_forecast"] > 0
    assert forecasts == (payload["momentum_forecast"], payload["momentum_forecast"])
    assert {changed for _, _, changed, _, _ in second} == {0}
    assert writes_after_first and len(writes_after_second) == len(writes_after_first)
    assert tasks == (payload["tasks"], payload["tasks"]) and scored > 0
