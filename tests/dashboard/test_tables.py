from dashboard.tables import column_config, header


def test_headers_are_words_and_unknown_columns_still_read_as_words():
    assert header("ai_forecast_category") == "AI's category"
    assert header("days_in_stage_vs_segment") == "Days in stage vs segment"
    assert header("new_column_name") == "New column name"


def test_each_column_gets_its_format_and_a_styled_column_keeps_the_stylers():
    config = column_config(
        ["amount", "ai_expected_amount", "ai_probability", "stage_progress", "days_in_stage_vs_segment", "days_in_stage",
         "is_stalled", "commit", "stage_name"],
        styled=["commit"],
    )  # fmt: skip
    assert config["amount"]["type_config"]["format"] == "dollar"
    assert config["ai_expected_amount"]["label"] == "AI expected"
    assert config["ai_probability"]["type_config"]["format"] == "percent"
    assert config["stage_progress"]["type_config"]["format"] == "percent"  # 0.75 = three quarters of the way
    assert config["days_in_stage_vs_segment"]["type_config"]["format"] == "%.1fx"
    assert config["days_in_stage"]["type_config"]["format"] == "%d"
    assert config["is_stalled"]["type_config"]["type"] == "checkbox"
    # The Styler formats the money to the cent (and "no commit submitted"): only the header changes.
    assert config["commit"]["label"] == "Commit" and "type_config" not in config["commit"]
    assert config["stage_name"]["label"] == "Stage"
