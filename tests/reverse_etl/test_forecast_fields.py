"""Forecast adjustments on the opportunity (issue 17): the AI forecast category and its flag are compared, the
close-in-quarter probability behind them is a stamp, so its daily move rewrites nothing on its own."""

from __future__ import annotations

from decimal import Decimal

from reverse_etl import load_mappings, run_sync
from tests.reverse_etl.helpers import DEMO_DESTINATION, OPPORTUNITY_IDS, query, score, set_payload

OPPORTUNITIES = load_mappings()["opportunity_fields"]
PAYLOAD = "sync_crm__opportunity_fields"


def sync(url: str, **kwargs):
    return run_sync(url, url, OPPORTUNITIES, open_destination=DEMO_DESTINATION, run_id="run", **kwargs)


def forecast(opportunity_id: str, probability: str, category: str, flag: str | None) -> dict:
    """Today's payload row for a deal, as sync_crm__opportunity_fields makes it (other insights left out)."""
    return score(opportunity_id, "0.4200") | {
        "ai_close_in_quarter_probability": Decimal(probability),
        "ai_forecast_category": category,
        "ai_forecast_flag": flag,
    }


FLAG = "AI says Pipeline: 18% to close in 2026-Q4 vs rep's Commit"


def crm_forecast(url: str) -> dict[str, dict]:
    rows = query(
        url,
        "select opportunity_id, ai_close_in_quarter_probability, ai_forecast_category, ai_forecast_flag"
        " from crm.opportunity",
    )
    return {row.pop("opportunity_id"): row for row in rows}


def yesterday() -> list[dict]:
    return [forecast(i, "0.18", "Pipeline", FLAG) for i in OPPORTUNITY_IDS]


def test_category_flag_and_probability_are_written_together(crm):
    set_payload(crm, PAYLOAD, yesterday())

    assert sync(crm).written == 10

    assert crm_forecast(crm)[OPPORTUNITY_IDS[0]] == {
        "ai_close_in_quarter_probability": Decimal("0.1800"),
        "ai_forecast_category": "Pipeline",
        "ai_forecast_flag": FLAG,
    }


def test_a_second_morning_with_unchanged_categories_writes_nothing_though_probabilities_moved(crm):
    # GIVEN yesterday's forecast fields synced
    set_payload(crm, PAYLOAD, yesterday())
    sync(crm)
    # WHEN every deal's probability moved a point, inside its category
    set_payload(crm, PAYLOAD, [forecast(i, "0.19", "Pipeline", FLAG) for i in OPPORTUNITY_IDS])
    result = sync(crm)
    # THEN no record is rewritten: the CRM keeps yesterday's probability
    assert (result.status, result.changed, result.written) == ("succeeded", 0, 0)
    assert crm_forecast(crm)[OPPORTUNITY_IDS[0]]["ai_close_in_quarter_probability"] == Decimal("0.1800")


def test_a_deal_whose_category_now_agrees_with_the_rep_loses_its_flag_and_gets_todays_probability(crm):
    set_payload(crm, PAYLOAD, yesterday())
    sync(crm)
    # GIVEN one deal now Commit, as its rep says (no flag); every other deal only moved a point
    today = [forecast(i, "0.19", "Pipeline", FLAG) for i in OPPORTUNITY_IDS]
    today[3] = forecast(OPPORTUNITY_IDS[3], "0.72", "Commit", None)
    set_payload(crm, PAYLOAD, today)

    result = sync(crm)

    # THEN only that deal is rewritten, with today's probability and its flag cleared
    assert result.written == 1
    fields = crm_forecast(crm)
    assert fields[OPPORTUNITY_IDS[3]] == {
        "ai_close_in_quarter_probability": Decimal("0.7200"),
        "ai_forecast_category": "Commit",
        "ai_forecast_flag": None,
    }
    assert fields[OPPORTUNITY_IDS[0]]["ai_forecast_flag"] == FLAG
