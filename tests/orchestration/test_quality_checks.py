"""Every registered suite is an asset check on its asset, blocking where the registry says block, and a
blocking failure on any payload stops every CRM sync."""

import dagster as dg

from expectations.suites import for_raw_schema, load_registry
from orchestration.definitions import defs
from orchestration.expectations.checks import LAYOUT
from orchestration.resources import MomentumResource
from reverse_etl.mapping import load_mappings
from tests.expectations.clean_crm import create_clean_crm, extract_and_validate


def test_every_registered_suite_is_a_check_on_its_asset_with_its_severity():
    graph = defs.resolve_asset_graph()
    checks = {key for key in graph.asset_check_keys if key.asset_key.path[0].startswith("raw_")}

    # The configured CRM's raw suites (the demo CRM's here), and every suite past the raw layer.
    assert {key.asset_key.path[0] for key in checks} == {LAYOUT.schema}
    for validation in for_raw_schema(load_registry(), LAYOUT.schema):
        key = dg.AssetCheckKey(dg.AssetKey(validation.asset.split("/")), validation.suite)
        assert key in graph.asset_check_keys, key
        assert graph.get_check_spec(key).blocking == validation.blocking, key


def test_features_scores_and_payloads_each_have_a_blocking_suite():
    blocking_assets = {v.asset for v in load_registry() if v.blocking}

    assert {
        "marts/fct_deal_snapshots",
        "marts/ml_open_deals__features",
        "ml/deal_scores",
        "reverse_etl/sync_crm__opportunity_fields",
        "reverse_etl/sync_crm__tasks",
    } <= blocking_assets


def test_every_crm_sync_waits_for_every_payload():
    graph = defs.resolve_asset_graph()
    payloads = {dg.AssetKey(list(m.source_parts)) for m in load_mappings().values()}

    for name in load_mappings():
        assert payloads <= graph.get(dg.AssetKey(["reverse_etl", name])).parent_keys


def test_data_docs_are_rebuilt_after_every_morning_and_retrain_run_success_or_failure():
    sensors = {sensor.name: sensor for sensor in defs.sensors if sensor.name.startswith("data_docs")}

    assert set(sensors) == {"data_docs_after_success", "data_docs_after_failure"}
    for sensor in sensors.values():
        assert sensor.default_status == dg.DefaultSensorStatus.RUNNING


def test_the_data_docs_sensor_publishes_the_last_validation_of_every_suite(
    warehouse_url, tmp_path, monkeypatch
):
    # GIVEN validated raw users, and a finished run (any job: the sensor reads the stored results)
    monkeypatch.setenv("MOMENTUM_HOME", str(tmp_path))
    create_clean_crm(warehouse_url)
    extract_and_validate(warehouse_url, tables=("user",))
    instance = dg.DagsterInstance.ephemeral()
    result = _finished_job.execute_in_process(instance=instance)
    sensor = next(s for s in defs.sensors if s.name == "data_docs_after_success")
    context = dg.build_run_status_sensor_context(
        sensor_name=sensor.name,
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        dagster_event=result.get_run_success_event(),
        resources={"momentum": MomentumResource(warehouse_url=warehouse_url)},
    )

    # WHEN the sensor reacts to it
    sensor(context)

    # THEN the Data Docs under MOMENTUM_HOME list the validated suites
    index = (tmp_path / "data_docs" / "index.html").read_text()
    assert "raw_crm__user" in index and "raw_crm__user__warnings" in index


@dg.op
def _nothing() -> None:
    pass


@dg.job
def _finished_job():
    _nothing()
