import dagster as dg

from orchestration.definitions import defs

CHAIN = [
    # CRM -> raw -> staging -> intermediate -> marts -> model/scores -> TMVAs -> payload -> CRM
    ("raw_crm/opportunity", "staging/stg_crm__opportunities"),
    ("staging/stg_crm__opportunity_history", "intermediate/int_opportunity_history_versioned"),
    ("marts/fct_deal_snapshots", "ml/win_model"),
    ("marts/ml_open_deals__features", "ml/deal_scores"),
    ("ml/win_model", "ml/win_champion"),
    ("ml/slip_model", "ml/slip_champion"),
    ("ml/win_champion", "ml/deal_scores"),
    ("ml/slip_champion", "ml/deal_scores"),
    ("ml/deal_scores", "actions/tmva_daily"),
    ("ml/deal_scores", "staging/stg_ml__deal_scores"),
    ("actions/tmva_daily", "staging/stg_actions__tmva_daily"),
    ("reverse_etl/sync_crm__opportunity_fields", "reverse_etl/opportunity_fields"),
    ("reverse_etl/sync_crm__tasks", "reverse_etl/tasks"),
]


def _key(path: str) -> dg.AssetKey:
    return dg.AssetKey(path.split("/"))


def test_definitions_load_with_every_step_of_the_chain_wired_in_order():
    graph = defs.resolve_asset_graph()

    for upstream, downstream in CHAIN:
        assert _key(upstream) in graph.get(_key(downstream)).parent_keys, f"{upstream} -> {downstream}"


def test_every_dbt_model_sits_in_the_group_of_its_folder():
    graph = defs.resolve_asset_graph()

    for key in graph.get_all_asset_keys():
        layer = key.path[0]
        if layer in ("staging", "intermediate", "marts", "reverse_etl"):
            assert graph.get(key).group_name == layer, key


def test_the_raw_opportunity_suite_is_a_blocking_check():
    graph = defs.resolve_asset_graph()
    suite_key = dg.AssetCheckKey(_key("raw_crm/opportunity"), "raw_crm__opportunity")

    assert suite_key in graph.asset_check_keys
    assert graph.get_check_spec(suite_key).blocking


def test_morning_never_trains_and_retrain_rebuilds_what_it_trains_on():
    morning = defs.resolve_job_def("morning")
    retrain = defs.resolve_job_def("retrain")
    morning_keys = morning.asset_layer.executable_asset_keys
    retrain_keys = retrain.asset_layer.executable_asset_keys

    models = {_key(f"ml/{kind}_{part}") for kind in ("win", "slip") for part in ("model", "champion")}
    assert not models & morning_keys
    assert models <= retrain_keys
    assert {_key("reverse_etl/tasks"), _key("ml/deal_scores"), _key("raw_crm/task")} <= morning_keys
    assert {
        _key("ml/win_model"),
        _key("marts/fct_deal_snapshots"),
        _key("raw_crm/opportunity"),
    } <= retrain_keys
    assert _key("reverse_etl/tasks") not in retrain_keys


def test_morning_runs_daily_at_six_and_retrain_weekly():
    schedules = {schedule.name: schedule for schedule in defs.schedules}

    assert schedules["morning_at_6"].cron_schedule == "0 6 * * *"
    assert schedules["morning_at_6"].job_name == "morning"
    assert schedules["weekly_retrain"].job_name == "retrain"


def test_a_challenger_is_checked_against_the_champion_before_the_champion_asset_runs():
    graph = defs.resolve_asset_graph()
    for kind in ("win", "slip"):
        check = dg.AssetCheckKey(_key(f"ml/{kind}_model"), "challenger_not_worse")
        assert check in graph.asset_check_keys
        # Blocking: the champion asset downstream waits for the comparison in the same run.
        assert graph.get_check_spec(check).blocking


def test_drift_checks_warn_on_the_scores_in_the_morning_and_a_sensor_can_retrain_on_them():
    graph = defs.resolve_asset_graph()
    scores = _key("ml/deal_scores")
    names = ("win_feature_drift", "win_calibration_since_training", "slip_calibration_since_training")
    for name in names:
        check = dg.AssetCheckKey(scores, name)
        assert check in graph.asset_check_keys
        # A drifting champion is still the best model there is: warn, never stop the CRM sync.
        assert not graph.get_check_spec(check).blocking
    assert {dg.AssetCheckKey(scores, name) for name in names} <= set(
        defs.resolve_job_def("morning").asset_layer.asset_graph.asset_check_keys
    )
    sensor = next(sensor for sensor in defs.sensors if sensor.name == "retrain_on_drift")
    assert sensor.job_name == "retrain"
    assert sensor.default_status == dg.DefaultSensorStatus.STOPPED


def test_the_forecast_backtest_runs_with_retrain_and_alone_never_with_the_morning():
    backtest = _key("ml/deal_scores_backtest")
    assert backtest not in defs.resolve_job_def("morning").asset_layer.executable_asset_keys
    assert backtest in defs.resolve_job_def("retrain").asset_layer.executable_asset_keys
    alone = defs.resolve_job_def("forecast_backtest").asset_layer.executable_asset_keys
    assert {backtest, _key("marts/fct_forecast_snapshots"), _key("marts/fct_forecast_accuracy")} <= alone
    assert _key("ml/win_model") not in alone and _key("reverse_etl/tasks") not in alone
