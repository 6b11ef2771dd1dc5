"""The Momentum forecast record per rep and team (issue 17) in the demo CRM: upserted by its external id, rewritten
when the forecast moves at 3 significant digits or a call changes, never for a few units or a new as-of date."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from reverse_etl import load_mappings, run_sync
from tests.reverse_etl.helpers import DEMO_DESTINATION, forecast_record, query, set_payload

FORECASTS = load_mappings()["momentum_forecast"]
PAYLOAD = "sync_crm__momentum_forecast"
TODAY = date(2026, 11, 16)


def sync(url: str):
    return run_sync(url, url, FORECASTS, open_destination=DEMO_DESTINATION, run_id="run")


def records(url: str) -> dict[str, dict]:
    rows = query(
        url,
        "select momentum_forecast_id, ai_external_id, owner_id, ai_forecast, ai_minus_commit, ai_as_of_date"
        " from crm.momentum_forecast",
    )
    return {row.pop("ai_external_id"): row for row in rows}


def test_records_are_created_once_and_a_second_run_writes_nothing(crm):
    set_payload(
        crm,
        PAYLOAD,
        [
            forecast_record("rep", "r1", "r1", 123_456, 110_000, TODAY),
            forecast_record("team", "East", "m1", 900_000, 950_000, TODAY),
        ],
    )

    first, second = sync(crm), sync(crm)

    assert (first.status, first.written) == ("succeeded", 2)
    assert (second.changed, second.written) == (0, 0)
    saved = records(crm)
    assert saved["momentum-forecast:team:East:2026-Q4"]["owner_id"] == "m1"
    assert saved["momentum-forecast:rep:r1:2026-Q4"]["ai_minus_commit"] == Decimal(13_456)
    assert saved["momentum-forecast:rep:r1:2026-Q4"]["momentum_forecast_id"].startswith("a0M")


def test_a_move_of_a_few_units_writes_nothing_and_a_real_move_updates_the_same_record(crm):
    set_payload(crm, PAYLOAD, [forecast_record("rep", "r1", "r1", 123_456, 110_000, TODAY)])
    sync(crm)
    created = records(crm)["momentum-forecast:rep:r1:2026-Q4"]

    # WHEN the next morning's forecast moved 24 units (0.02%): nothing is rewritten, not even the date
    set_payload(crm, PAYLOAD, [forecast_record("rep", "r1", "r1", 123_480, 110_000, TODAY + timedelta(1))])
    quiet = sync(crm)
    # AND WHEN it moved 2%: the same record gets today's numbers and date
    set_payload(crm, PAYLOAD, [forecast_record("rep", "r1", "r1", 126_000, 110_000, TODAY + timedelta(2))])
    moved = sync(crm)

    assert (quiet.changed, quiet.written) == (0, 0)
    assert moved.written == 1
    assert records(crm) == {
        "momentum-forecast:rep:r1:2026-Q4": created
        | {
            "ai_forecast": Decimal(126_000),
            "ai_minus_commit": Decimal(16_000),
            "ai_as_of_date": TODAY + timedelta(2),
        }
    }


def test_a_new_commit_rewrites_the_record_and_old_quarters_records_are_kept(crm):
    set_payload(crm, PAYLOAD, [forecast_record("rep", "r1", "r1", 123_456, 110_000, TODAY)])
    sync(crm)

    set_payload(crm, PAYLOAD, [forecast_record("rep", "r1", "r1", 123_456, 120_000, TODAY + timedelta(1))])
    new_call = sync(crm)
    # WHEN the next quarter starts, the payload holds only its records
    next_quarter = TODAY + timedelta(50)
    set_payload(
        crm, PAYLOAD, [forecast_record("rep", "r1", "r1", 50_000, 40_000, next_quarter, quarter="2027-Q1")]
    )
    sync(crm)

    assert new_call.written == 1
    saved = records(crm)
    assert saved["momentum-forecast:rep:r1:2026-Q4"]["ai_minus_commit"] == Decimal(3_456)
    assert saved["momentum-forecast:rep:r1:2027-Q1"]["ai_as_of_date"] == next_quarter
