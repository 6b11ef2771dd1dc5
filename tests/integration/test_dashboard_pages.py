"""Every page of leadership's dashboard on the tiny demo, through Streamlit's AppTest: no error, charts drawn,
figures equal to the marts, filters that change the numbers."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy
import pandas
import psycopg
import pyarrow
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.charts import PALETTE, money
from tests.integration import dashboard_fixtures
from warehouse.server import mlflow_url_beside


@pytest.fixture(scope="module")
def dashboard_warehouse(tiny_demo, tmp_path_factory):
    yield from dashboard_fixtures.read_only_copy(tiny_demo, tmp_path_factory)


APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")
PAGES = ("this_quarter", "forecast_accuracy", "pipeline_health", "win_loss", "execution", "models")


def _open(page: str, **filters: str) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=120)
    app.run()
    for key, value in filters.items():
        app.selectbox(key=key).set_value(value)
    app.switch_page(f"views/{page}.py").run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _metric(app: AppTest, label: str) -> str:
    (value,) = [m.value for m in app.metric if m.label == label]
    return value


def _one(url: str, sql: str, params: tuple = ()):
    with psycopg.connect(url) as conn:
        return conn.execute(sql, params).fetchone()


@pytest.mark.parametrize("page", PAGES)
def test_every_page_draws_its_charts_without_an_error(dashboard_warehouse, page):
    app = _open(page)
    assert app.get("plotly_chart") or app.get("imgs"), f"{page} drew no chart"
    # Every chart or table is framed by a heading and a caption that says what it shows and as of when.
    assert app.subheader
    assert len([c for c in app.caption if "As of" in c.value]) == len(app.subheader)


def test_this_quarter_shows_the_company_forecast_commit_and_closed_won_of_the_forecast_mart(
    dashboard_warehouse,
):
    ai, commit, closed_won, best_case = _one(
        dashboard_warehouse.url,
        "select ai_forecast_amount, commit_amount, closed_won_amount, best_case_amount"
        " from marts.fct_forecast_snapshots where is_current and forecast_level = 'company'",
    )
    app = _open("this_quarter")
    assert _metric(app, "AI forecast") == money(float(ai))
    assert _metric(app, "Commit") == money(float(commit))
    assert _metric(app, "Closed won to date") == money(float(closed_won))
    assert _metric(app, "Best case") == money(float(best_case))
    # ...and to the cent in the roll-up table
    company = app.dataframe[0].value.iloc[0]
    assert company["level"] == "company"
    assert (company["ai_forecast"], company["commit"], company["closed_won"]) == (
        float(ai),
        float(commit),
        float(closed_won),
    )


def test_this_quarters_breakdown_includes_the_expected_pull_ins_of_the_forecast_mart(dashboard_warehouse):
    (pull_in,) = _one(
        dashboard_warehouse.url,
        "select pull_in_expected_amount from marts.fct_forecast_snapshots where is_current and forecast_level = 'company'",
    )
    breakdown = json.loads(_open("this_quarter").get("plotly_chart")[0].proto.spec)
    (pulled_in,) = [t for t in breakdown["data"] if t.get("name") == "Pulled in (expected)"]
    assert _values(pulled_in["y"]) == [pytest.approx(float(pull_in))]


def test_the_rep_filter_shows_that_reps_forecast(dashboard_warehouse):
    rep_name, ai, company_ai = _one(
        dashboard_warehouse.url,
        "select r.rep_name, s.ai_forecast_amount, c.ai_forecast_amount from marts.fct_forecast_snapshots s"
        " join marts.dim_reps r on r.user_id = s.owner_id join marts.fct_forecast_snapshots c"
        " on c.is_current and c.forecast_level = 'company'"
        " where s.is_current and s.forecast_level = 'rep' and s.ai_forecast_amount > 0"
        " order by s.ai_forecast_amount limit 1",
    )
    assert ai != company_ai
    app = _open("this_quarter", rep=rep_name)
    assert _metric(app, "AI forecast") == money(float(ai))


def test_the_deals_that_move_the_number_show_the_ai_category_the_crm_gets(dashboard_warehouse):
    with psycopg.connect(dashboard_warehouse.url) as conn:
        crm = dict(
            conn.execute(
                "select opportunity_id, ai_forecast_category from reverse_etl.sync_crm__opportunity_fields"
            )
        )
    app = _open("this_quarter")
    shown = [frame.value for frame in app.dataframe if "ai_forecast_category" in frame.value.columns]
    assert shown, "no deal table on This quarter"
    rows = [row for frame in shown for row in frame.itertuples()]
    assert rows
    for row in rows:
        shown_category = None if pandas.isna(row.ai_forecast_category) else row.ai_forecast_category
        assert shown_category == crm[row.opportunity_id], row.opportunity_id
    # The tiny demo has no slip champion: no category anywhere (the dbt unit tests cover the categories), and the
    # page says why.
    if not any(crm.values()):
        assert any("No AI forecast category yet" in info.value for info in app.info)


def test_week_over_week_names_each_change_in_words_with_won_green_and_lost_red(dashboard_warehouse):
    figures = [json.loads(chart.proto.spec) for chart in _open("pipeline_health").get("plotly_chart")]
    (weekly,) = [figure for figure in figures if figure["layout"].get("barmode") == "relative"]
    colors = {trace["name"]: trace.get("marker", {}).get("color") for trace in weekly["data"]}
    assert colors
    assert not [name for name in colors if "_" in name]  # not fct_pipeline_changes' codes
    assert colors.get("Closed won", PALETTE["Won"]) == PALETTE["Won"]
    assert colors.get("Closed lost", PALETTE["Lost"]) == PALETTE["Lost"]


@pytest.mark.parametrize(
    ("page", "label", "table"),
    [
        ("pipeline_health", "Open deals", "dashboards.dash_pipeline_review_deals"),
        ("execution", "TMVAs issued", "dashboards.dash_tmva_outcomes"),
    ],
)
def test_the_rep_filter_changes_the_deal_counts(dashboard_warehouse, page, label, table):
    rep_name, rep_count = _one(
        dashboard_warehouse.url,
        f"select r.rep_name, count(*) from {table} t join marts.dim_reps r on r.user_id = t.owner_id"
        " group by r.rep_name order by count(*), r.rep_name limit 1",
    )
    (total,) = _one(dashboard_warehouse.url, f"select count(*) from {table}")
    assert rep_count < total
    assert _metric(_open(page), label) == str(total)
    assert _metric(_open(page, rep=rep_name), label) == str(rep_count)


def test_the_segment_filter_changes_win_loss(dashboard_warehouse):
    segment, closed, everything = _one(
        dashboard_warehouse.url,
        "select segment, count(*), sum(count(*)) over () from marts.fct_win_loss w"
        " where closed_fiscal_quarter = (select fiscal_quarter from marts.fct_forecast_snapshots where is_current limit 1)"
        " group by segment order by count(*) desc limit 1",
    )
    assert _metric(_open("win_loss"), "Closed deals") == str(everything)
    assert _metric(_open("win_loss", segment=segment), "Closed deals") == str(closed)


def test_forecast_accuracy_says_why_the_ai_column_is_empty(dashboard_warehouse):
    (ai_weeks,) = _one(
        dashboard_warehouse.url,
        "select count(ai_forecast_amount) from marts.fct_forecast_accuracy where forecast_level = 'company'",
    )
    app = _open("forecast_accuracy")
    assert _metric(app, "Weeks with an AI forecast") == str(ai_weeks)
    says_no_backtest = any("No backtest yet" in info.value for info in app.info)
    assert says_no_backtest == (ai_weeks == 0)


def test_forecast_accuracy_draws_the_backtests_ai_errors_and_says_where_they_come_from(dashboard_warehouse):
    # The tiny demo retrained, so the walk-forward backtest scored the weeks of the complete quarters.
    backtest_weeks, morning_weeks = _one(
        dashboard_warehouse.url,
        "select count(*) filter (where ai_forecast_source = 'backtest' and ai_forecast_amount is not null),"
        " count(*) filter (where ai_forecast_source = 'morning_run' and ai_forecast_amount is not null)"
        " from marts.fct_forecast_accuracy where forecast_level = 'company'",
    )
    assert backtest_weeks > 0, "the tiny demo's retrain left no backtest in fct_forecast_accuracy"
    app = _open("forecast_accuracy")
    assert _metric(app, "Of them from the backtest") == str(backtest_weeks)
    assert any(
        f"{backtest_weeks} from the walk-forward backtest" in c.value
        and f"{morning_weeks} from morning runs" in c.value
        for c in app.caption
    )
    assert not any("No backtest yet" in info.value for info in app.info)
    error_chart, range_chart, quarter_chart = (chart.proto.spec for chart in app.get("plotly_chart"))
    (ai_errors,) = [t for t in json.loads(error_chart)["data"] if t["name"] == "AI forecast"]
    assert any(value is not None for value in _values(ai_errors["y"]))
    assert any(value is not None for value in _values(json.loads(range_chart)["data"][0]["y"]))
    assert "AI P10–P90" in [t.get("name") for t in json.loads(quarter_chart)["data"]]


def _values(column) -> list:
    """A plotly trace's values, whether the JSON holds a list or a typed array (base64 with its dtype)."""
    if isinstance(column, dict):
        return numpy.frombuffer(base64.b64decode(column["bdata"]), dtype=column["dtype"]).tolist()
    return column


def test_models_shows_the_champion_mlflow_holds(dashboard_warehouse):
    (version,) = _one(
        mlflow_url_beside(dashboard_warehouse.url),
        "select version from registered_model_aliases where name = 'momentum_win' and alias = 'champion'",
    )
    app = _open("models")
    assert f"momentum_win v{version}" in [header.value for header in app.header]
    assert any("Not measured yet" in info.value for info in _open("execution").info)


def test_the_password_gate_opens_on_the_right_password(dashboard_warehouse, monkeypatch):
    monkeypatch.setenv("MOMENTUM_DASHBOARD_PASSWORD", "s3cret-for-the-test")
    app = AppTest.from_file(APP, default_timeout=120).run()
    assert [t.value for t in app.title] == ["Momentum"]
    app.text_input[0].input("wrong")
    app.button[0].click().run()
    assert [w.value for w in app.warning] == ["Wrong password."]
    app.text_input[0].input("s3cret-for-the-test")
    app.button[0].click().run()
    assert not app.exception
    assert [t.value for t in app.title] == ["This quarter"]


def _display_values(table):
    """What a styled st.dataframe shows in each cell (the Styler's display values), beside its data."""
    return pyarrow.ipc.open_stream(table.proto.arrow_data.styler.display_values).read_pandas()


def test_a_rep_without_a_call_reads_no_commit_submitted_in_the_roll_up_table(dashboard_warehouse):
    quarter, rep_name = _one(
        dashboard_warehouse.url,
        "select s.fiscal_quarter, r.rep_name from marts.fct_forecast_snapshots s"
        " join marts.dim_reps r on r.user_id = s.owner_id"
        " where s.forecast_level = 'rep' and s.commit_amount is null"
        " and s.as_of_date = (select max(as_of_date) from marts.fct_forecast_snapshots l"
        "                     where l.fiscal_quarter = s.fiscal_quarter)"
        " order by s.fiscal_quarter desc, r.rep_name limit 1",
    )
    table = _open("this_quarter", quarter=quarter).dataframe[0]
    shown = _display_values(table)
    data = table.value
    assert shown["commit"][data["name"] == rep_name].tolist() == ["no commit submitted"]
    assert (shown["commit"] == "no commit submitted").tolist() == data["commit"].isna().tolist()
    assert "None" not in shown.to_numpy().tolist()
    # Submitted calls still read to the cent.
    company = data["level"] == "company"
    assert shown["commit"][company].tolist() == [f"${data['commit'][company].iloc[0]:,.2f}"]


def test_win_loss_won_equals_this_quarters_closed_won_and_names_the_deals_no_rep_owns(dashboard_warehouse):
    (closed_won,) = _one(
        dashboard_warehouse.url,
        "select closed_won_amount from marts.fct_forecast_snapshots where is_current and forecast_level = 'company'",
    )
    unowned_won, unowned_deals = _one(
        dashboard_warehouse.url,
        "select coalesce(sum(amount) filter (where is_won), 0), count(*) filter (where is_won)"
        " from marts.fct_win_loss where closed_fiscal_quarter = (select fiscal_quarter from"
        " marts.fct_forecast_snapshots where is_current limit 1)"
        " and (owner_id is null or owner_id not in (select user_id from marts.dim_reps))",
    )
    app = _open("win_loss")
    assert _metric(app, "Won") == money(float(closed_won) + float(unowned_won))
    says_unowned = [c.value for c in app.caption if "no rep owns" in c.value]
    if unowned_won:
        assert says_unowned == [
            f"Won includes {money(float(unowned_won))} in {unowned_deals} deals that no rep owns: the forecast"
            " pages roll closed-won up per rep and leave them out."
        ]
    else:
        assert says_unowned == []


def test_the_drift_chart_marks_shifted_only_the_features_past_their_own_warn_level(
    dashboard_warehouse, monkeypatch
):
    from dashboard import monitoring

    # rep_win_rate passes 0.25 but not its sampling noise; deal_age_days passes both: the check says one shifted.
    check = monitoring.CheckResult(
        name="win_feature_drift",
        passed=False,
        evaluated_at="2026-11-23 06:00 UTC",
        description="1 of 3 features shifted (PSI above 0.25 and above sampling noise) since v1 was trained:"
        " deal_age_days 0.40",
        metadata={"psi_rep_win_rate": 2.1, "warn_above_rep_win_rate": 3.0, "psi_deal_age_days": 0.4,
                  "warn_above_deal_age_days": 0.25, "psi_amount": 0.1, "warn_above_amount": 0.25},
    )  # fmt: skip
    monkeypatch.setattr(monitoring, "latest_checks", lambda: [check])
    drift = json.loads(_open("models").get("plotly_chart")[-1].proto.spec)
    bars = {trace["name"]: list(trace["y"]) for trace in drift["data"] if trace["type"] == "bar"}
    assert bars == {"Within its warn level": ["amount", "rep_win_rate"], "Shifted": ["deal_age_days"]}
    (levels,) = [t for t in drift["data"] if t["type"] == "scatter"]
    assert dict(zip(levels["y"], _values(levels["x"]), strict=True)) == {
        "amount": 0.25, "deal_age_days": 0.25, "rep_win_rate": 3.0,
    }  # fmt: skip
