"""Deal insights on the opportunity (slip risk, top reasons for and against): written with the score, compared
by what a rep would call a change (the slip risk's band, the factors the reasons name), not by their text."""

from __future__ import annotations

from decimal import Decimal

from reverse_etl import load_mappings, run_sync
from tests.reverse_etl.helpers import DEMO_DESTINATION, OPPORTUNITY_IDS, query, score, set_payload

OPPORTUNITIES = load_mappings()["opportunity_fields"]
PAYLOAD = "sync_crm__opportunity_fields"


def sync(url: str, **kwargs):
    return run_sync(url, url, OPPORTUNITIES, open_destination=DEMO_DESTINATION, run_id="run", **kwargs)


def insight(
    opportunity_id: str,
    *,
    slip: str = "0.3100",
    days_quiet: int = 21,
    factors_for: str = "amount,has_champion",
    reasons_for: str = "champion on the deal; deal size 50,000",
) -> dict:
    """Today's payload row for a deal: its score plus insights, as sync_crm__opportunity_fields makes them."""
    return score(opportunity_id, "0.4200") | {
        "ai_slip_risk": round(Decimal(slip), 2),
        "ai_top_reasons_for": reasons_for,
        "ai_top_reasons_against": f"no activity in {days_quiet} days",
        "compare_slip_risk_band": int(Decimal(slip) * 10),
        "compare_reason_factors": f"{factors_for} | days_since_last_activity",
    }


def crm_insights(url: str) -> dict[str, dict]:
    rows = query(
        url,
        "select opportunity_id, ai_slip_risk, ai_top_reasons_for, ai_top_reasons_against from crm.opportunity",
    )
    return {row.pop("opportunity_id"): row for row in rows}


def test_the_insights_are_written_with_the_score(crm):
    set_payload(crm, PAYLOAD, [insight(i) for i in OPPORTUNITY_IDS])

    assert sync(crm).written == 10

    assert crm_insights(crm)[OPPORTUNITY_IDS[0]] == {
        "ai_slip_risk": Decimal("0.3100"),
        "ai_top_reasons_for": "champion on the deal; deal size 50,000",
        "ai_top_reasons_against": "no activity in 21 days",
    }


def test_a_second_morning_with_unchanged_factors_writes_nothing_though_numbers_and_words_moved(crm):
    # GIVEN yesterday's insights synced
    set_payload(crm, PAYLOAD, [insight(i) for i in OPPORTUNITY_IDS])
    sync(crm)
    # WHEN this morning every deal went one day quieter and its slip risk moved inside its band
    set_payload(crm, PAYLOAD, [insight(i, slip="0.3400", days_quiet=22) for i in OPPORTUNITY_IDS])
    result = sync(crm)
    # THEN no record is rewritten
    assert (result.status, result.changed, result.written) == ("succeeded", 0, 0)
    assert crm_insights(crm)[OPPORTUNITY_IDS[0]]["ai_top_reasons_against"] == "no activity in 21 days"


def test_a_changed_factor_set_rewrites_that_deal_with_todays_values(crm):
    set_payload(crm, PAYLOAD, [insight(i) for i in OPPORTUNITY_IDS])
    sync(crm)
    # GIVEN one deal whose reasons for now name a new factor; every deal's numbers moved
    today = [insight(i, slip="0.3400", days_quiet=22) for i in OPPORTUNITY_IDS]
    today[3] = insight(
        OPPORTUNITY_IDS[3],
        slip="0.3400",
        days_quiet=22,
        factors_for="amount,calls_30d",
        reasons_for="call connect rate 14%; deal size 50,000",
    )
    set_payload(crm, PAYLOAD, today)

    result = sync(crm)

    # THEN that deal alone is rewritten, with today's sentences and slip risk (one scoring run's values)
    assert (result.changed, result.written) == (1, 1)
    assert crm_insights(crm)[OPPORTUNITY_IDS[3]] == {
        "ai_slip_risk": Decimal("0.3400"),
        "ai_top_reasons_for": "call connect rate 14%; deal size 50,000",
        "ai_top_reasons_against": "no activity in 22 days",
    }
    assert crm_insights(crm)[OPPORTUNITY_IDS[4]]["ai_slip_risk"] == Decimal("0.3100")


def test_a_slip_risk_crossing_into_another_band_rewrites_the_deal(crm):
    set_payload(crm, PAYLOAD, [insight(i) for i in OPPORTUNITY_IDS])
    sync(crm)
    set_payload(
        crm,
        PAYLOAD,
        [insight(i, slip="0.4100" if n == 0 else "0.3100") for n, i in enumerate(OPPORTUNITY_IDS)],
    )

    result = sync(crm)

    assert result.written == 1
    assert crm_insights(crm)[OPPORTUNITY_IDS[0]]["ai_slip_risk"] == Decimal("0.4100")


def test_reasons_the_scorer_no_longer_gives_are_cleared_but_a_missing_slip_risk_keeps_the_last(crm):
    set_payload(crm, PAYLOAD, [insight(i) for i in OPPORTUNITY_IDS])
    sync(crm)
    # GIVEN a deal with no factor for or against today, and no slip score
    gone = insight(OPPORTUNITY_IDS[0]) | {
        "ai_slip_risk": None,
        "ai_top_reasons_for": None,
        "ai_top_reasons_against": None,
        "compare_slip_risk_band": None,
        "compare_reason_factors": " | ",
    }
    set_payload(crm, PAYLOAD, [gone, *(insight(i) for i in OPPORTUNITY_IDS[1:])])

    assert sync(crm).written == 1

    assert crm_insights(crm)[OPPORTUNITY_IDS[0]] == {
        "ai_slip_risk": Decimal("0.3100"),
        "ai_top_reasons_for": None,
        "ai_top_reasons_against": None,
    }


def test_a_reason_longer_than_the_crms_text_field_fails_that_record_only(crm):
    # The payload view cuts reasons to 255 characters (tests/dbt); the CRM field refuses more, per record.
    too_long = insight(OPPORTUNITY_IDS[0], reasons_for="x" * 256)
    set_payload(crm, PAYLOAD, [too_long, *(insight(i) for i in OPPORTUNITY_IDS[1:])])

    result = sync(crm)

    assert (result.status, result.written, result.failed) == ("partial", 9, 1)
    assert crm_insights(crm)[OPPORTUNITY_IDS[0]]["ai_top_reasons_for"] is None
