"""The morning's real payloads (the dbt views `reverse_etl.sync_crm__*` of the shared tiny demo) written back
through hubspot-api-client into the local HubSpot server by the Dagster sync assets, as `MOMENTUM_CRM=hubspot`
(and `momentum demo --crm hubspot`) runs them: scores, insights and TMVA tasks with their deal and contact; the
second run sends nothing."""

from __future__ import annotations

import dagster as dg
import psycopg

from orchestration.resources import MomentumResource
from reverse_etl.sync_state import reset_sync_state
from simulator.hubspot_api import serve_demo_crm


def _materialize_syncs(url: str) -> None:
    from orchestration.reverse_etl.assets import reverse_etl_assets

    result = dg.materialize(
        reverse_etl_assets,
        resources={"momentum": MomentumResource(warehouse_url=url)},
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert result.success


def _writes(server) -> list:
    return [
        r
        for r in server.api.requests
        if r.method == "POST" and r.path.endswith(("update", "upsert", "default"))
    ]


def test_the_sync_assets_write_through_the_hubspot_api_and_a_second_run_sends_nothing(
    tiny_demo, tmp_path, monkeypatch
):
    with tiny_demo.copy(tmp_path / "home") as url:
        monkeypatch.setenv("MOMENTUM_WAREHOUSE_URL", url)
        monkeypatch.setenv("MOMENTUM_HOME", str(tmp_path / "home"))
        # GIVEN a portal that has none of what the demo destination wrote
        reset_sync_state(url)
        with psycopg.connect(url) as conn:
            conn.execute("delete from crm.task where ai_external_id is not null")
            conn.execute("update crm.opportunity set ai_win_probability = null, ai_slip_risk = null")
            payload = {
                "opportunity_fields": conn.execute(
                    "select count(*) from reverse_etl.sync_crm__opportunity_fields"
                ).fetchone()[0],
                "tasks": conn.execute("select count(*) from reverse_etl.sync_crm__tasks").fetchone()[0],
            }
        with serve_demo_crm(url) as server:
            monkeypatch.setenv("MOMENTUM_CRM", "hubspot")
            for name, value in server.environment().items():
                monkeypatch.setenv(name, value)

            # WHEN the syncs run twice
            _materialize_syncs(url)
            writes_after_first = _writes(server)
            _materialize_syncs(url)
            writes_after_second = _writes(server)

        # THEN the first wrote every payload record through the API, the second nothing
        with psycopg.connect(url) as conn:
            runs = conn.execute(
                "select sync_name, status, changed, written, failed from reverse_etl.sync_log order by started_at"
            ).fetchall()
            tasks = conn.execute(
                "select count(*), count(distinct ai_external_id) from crm.task t join reverse_etl.sync_crm__tasks p"
                " using (ai_external_id) where t.what_id = p.what_id and t.who_id is not distinct from p.who_id"
                " and t.status = 'Open'"
            ).fetchone()
            scored = conn.execute(
                "select count(*) from crm.opportunity o join reverse_etl.sync_crm__opportunity_fields p"
                " using (opportunity_id) where o.ai_win_probability = p.ai_win_probability"
                " and o.ai_slip_risk is not distinct from p.ai_slip_risk"
            ).fetchone()[0]
    first, second = runs[-4:-2], runs[-2:]
    assert {(name, status, written) for name, status, _, written, _ in first} == {
        ("opportunity_fields", "succeeded", payload["opportunity_fields"]),
        ("tasks", "succeeded", payload["tasks"]),
    }
    assert {changed for _, _, changed, _, _ in second} == {0}
    assert writes_after_first and len(writes_after_second) == len(writes_after_first)
    assert tasks == (payload["tasks"], payload["tasks"]) and scored == payload["opportunity_fields"] > 0
