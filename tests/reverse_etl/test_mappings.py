"""Mappings load from YAML and never reach beyond the allow-list."""

from __future__ import annotations

import dataclasses

import pytest

from reverse_etl import AllowListError, MappingError, load_mappings, run_sync
from reverse_etl.mapping import check_allow_list, load_allow_list
from tests.reverse_etl.helpers import DEMO_DESTINATION, OPPORTUNITY_IDS, query, score, set_payload

BAD_MAPPING = """
source: reverse_etl.sync_crm__opportunity_fields
destination: {object: opportunity, operation: update, match_key: opportunity_id}
fields: [ai_win_probability, amount]
"""


def test_the_shipped_mappings_load_inside_the_allow_list():
    mappings = load_mappings()

    assert set(mappings) == {"momentum_forecast", "opportunity_fields", "tasks"}
    assert mappings["opportunity_fields"].stamp_fields == (
        "ai_scored_at", "ai_slip_risk", "ai_top_reasons_for", "ai_top_reasons_against",
        "ai_close_in_quarter_probability",
    )  # fmt: skip
    # The forecast category and its flag change rarely: compared; the probability moves daily: a stamp
    assert {"ai_forecast_category", "ai_forecast_flag"} <= set(mappings["opportunity_fields"].fields)
    assert "ai_forecast_flag" in mappings["opportunity_fields"].clear_when_absent
    assert mappings["opportunity_fields"].compare_only == ("compare_slip_risk_band", "compare_reason_factors")
    assert mappings["tasks"].match_key == "ai_external_id"
    # The forecast record: upserted like the tasks, never retired; its exact amounts and date are stamps
    forecast = mappings["momentum_forecast"]
    assert (forecast.operation, forecast.match_key, forecast.retire_missing) == (
        "upsert",
        "ai_external_id",
        None,
    )
    assert forecast.compare_only == ("compare_forecast_amounts",)
    assert {"ai_forecast", "ai_as_of_date"} <= set(forecast.stamp_fields)


def test_loading_a_mapping_with_a_field_outside_the_allow_list_names_the_field_and_the_list(tmp_path):
    (tmp_path / "deal_amounts.yml").write_text(BAD_MAPPING)

    with pytest.raises(AllowListError) as refused:
        load_mappings(tmp_path)

    message = str(refused.value)
    assert "'amount'" in message and "deal_amounts" in message and "ai_*" in message
    assert "ai_win_probability" not in message.split("outside")[0]


def test_sync_never_writes_fields_outside_the_allow_list(crm):
    # GIVEN a hand-built mapping that sneaks in the rep's stage
    set_payload(crm, "sync_crm__opportunity_fields", [score(i, "0.4200") for i in OPPORTUNITY_IDS])
    sneaky = dataclasses.replace(load_mappings()["opportunity_fields"], stamp_fields=("stage_name",))
    # WHEN it is run, THEN it is refused before anything is written or logged
    with pytest.raises(AllowListError, match="stage_name"):
        run_sync(crm, crm, sneaky, open_destination=DEMO_DESTINATION, run_id="r")
    assert {r["ai_win_probability"] for r in query(crm, "select * from crm.opportunity")} == {None}
    assert query(crm, "select to_regclass('reverse_etl.sync_log') as t")[0]["t"] is None


@pytest.mark.parametrize("rep_field", ["completed_at", "call_disposition", "call_duration_seconds"])
def test_the_fields_a_rep_fills_in_on_a_task_are_outside_the_allow_list(rep_field):
    mapping = dataclasses.replace(load_mappings()["tasks"], stamp_fields=(rep_field,))

    with pytest.raises(AllowListError, match=rep_field):
        check_allow_list(mapping, load_allow_list())


@pytest.mark.parametrize(
    ("yaml_text", "complaint"),
    [
        ("source: s.v\ndestination: {object: task, operation: upsert, match_key: ai_external_id}\n"
         "fields: [ai_script]", "new_record_id"),
        ("source: s.v\ndestination: {object: opportunity, operation: merge, match_key: opportunity_id}\n"
         "fields: [ai_model_version]", "operation"),
        ("source: s.v\ndestination: {object: opportunity, match_key: opportunity_id}\n"
         "fields: [AI_Score]", "lower-case"),
        ("destination: {object: opportunity, match_key: opportunity_id}\nfields: [ai_x]", "source"),
        ("source: s.v\ndestination: {object: opportunity, match_key: opportunity_id}\n"
         "fields: [ai_model_version]\nclear_when_absent: [ai_next_best_action]", "clear_when_absent"),
    ],
)  # fmt: skip
def test_a_malformed_mapping_is_refused_with_the_reason(tmp_path, yaml_text, complaint):
    (tmp_path / "broken.yml").write_text(yaml_text)

    with pytest.raises(MappingError, match=complaint):
        load_mappings(tmp_path)
