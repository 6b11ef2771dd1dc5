"""The going-forward check (bench/forecast_going_forward.py) on a copy of the shared tiny demo
(tests/integration/conftest.py: retrained and run on Monday 2026-11-23): the first morning's forecast against
the quarter's closed-won once the demo CRM has lived through the quarter's last day."""

import datetime as dt
import json

import psycopg
import pytest

from bench.forecast_going_forward import main


@pytest.fixture
def demo_home(tiny_demo, tmp_path, monkeypatch):
    home = tmp_path / "momentum_home"
    with tiny_demo.copy(home) as url:
        monkeypatch.setenv("MOMENTUM_WAREHOUSE_URL", url)
        monkeypatch.setenv("MOMENTUM_HOME", str(home))  # restored after the test: main() sets it from --home
        yield home, url


def _run(home, capsys, *flags: str) -> str:
    main(["--home", str(home), *flags])
    return capsys.readouterr().out


def _crm_closed_won(url: str, start: str, end: str) -> dict[str, float]:
    """The quarter's closed-won per owner, by the CRM's own is_won flag."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "select owner_id, sum(amount) from crm.opportunity"
            " where is_won and closed_date between %s and %s group by owner_id",
            (start, end),
        ).fetchall()
    return {owner: float(amount) for owner, amount in rows}


def test_the_first_mornings_forecast_is_compared_with_the_quarters_closed_won(demo_home, tiny_demo, capsys):
    home, url = demo_home
    # WHEN the check runs on a home whose CRM still stands on its first morning
    report = json.loads(_run(home, capsys, "--json"))

    # THEN it compared the forecast of that morning, after the CRM lived through the quarter's last day
    quarter_end = dt.date.fromisoformat(report["fiscal_quarter_end_date"])
    assert report["as_of_date"] == tiny_demo.as_of.isoformat()
    assert report["crm_today"] == (quarter_end + dt.timedelta(days=1)).isoformat()
    # ...the forecast every momentum_forecast record in the CRM carries
    assert report["crm_records"]["compared"] > 0
    assert report["crm_records"]["agreeing"] == report["crm_records"]["compared"]
    # AND the actuals are the CRM's closed-won of the quarter, per rep and for the company
    won = _crm_closed_won(url, report["fiscal_quarter_start_date"], report["fiscal_quarter_end_date"])
    assert won, "the tiny CRM won nothing in the quarter: nothing compared"
    rows = report["rows"]
    (company,) = [row for row in rows if row["forecast_level"] == "company"]
    reps = {row["owner_id"] for row in rows if row["forecast_level"] == "rep"}
    assert company["actual_amount"] == pytest.approx(
        sum(amount for owner, amount in won.items() if owner in reps)
    )
    assert report["unattributed_won_amount"] == pytest.approx(sum(won.values()) - company["actual_amount"])
    for row in (row for row in rows if row["forecast_level"] == "rep"):
        assert row["actual_amount"] == pytest.approx(won.get(row["owner_id"], 0.0)), row["owner_id"]
    # AND each level's coverage counts the rows whose actual lies within their own P10-P90
    for level, summary in report["levels"].items():
        level_rows = [row for row in rows if row["forecast_level"] == level]
        inside = [row["ai_p10"] <= row["actual_amount"] <= row["ai_p90"] for row in level_rows]
        assert (summary["inside_range"], summary["ranged_rows"]) == (sum(inside), len(level_rows)), level
        assert [row["within_range"] for row in level_rows] == inside


def test_a_rerun_compares_the_saved_first_day_and_a_lost_one_is_refused(demo_home, capsys):
    home, url = demo_home
    first = json.loads(_run(home, capsys, "--json"))

    # A rerun on the advanced home: no second advance, the same comparison, printed as tables
    printed = _run(home, capsys)
    assert f"as of {first['as_of_date']}" in printed
    assert f"closed-won the demo CRM holds on {first['crm_today']}" in printed
    again = json.loads(_run(home, capsys, "--json"))
    assert again["crm_today"] == first["crm_today"]
    assert again["rows"] == first["rows"]

    # Without the saved first day, an advanced home is refused with one line naming what to do
    (home / "going_forward" / "first_day_forecast.json").unlink()
    with pytest.raises(SystemExit, match="start from a new --home"):
        main(["--home", str(home)])
