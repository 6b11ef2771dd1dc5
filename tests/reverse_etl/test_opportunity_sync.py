"""The opportunity-fields sync against a real demo CRM: diff, null safety, stamps, per-record failures."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from reverse_etl import format_summary, load_mappings, run_sync
from tests.reverse_etl.helpers import (
    DEMO_DESTINATION,
    OPPORTUNITY_IDS,
    SEEDED_AT,
    create_crm,
    execute,
    query,
    score,
    set_payload,
)

PAYLOAD = "sync_crm__opportunity_fields"
MAPPING = load_mappings()["opportunity_fields"]
LATER = datetime(2026, 5, 5, 5, 30, tzinfo=UTC)


def sync(url: str, destination: str | None = None, **kwargs):
    return run_sync(
        url, destination or url, MAPPING, open_destination=DEMO_DESTINATION, run_id="test-run", **kwargs
    )


def crm_opportunities(url: str) -> dict[str, dict]:
    rows = query(url, "select * from crm.opportunity order by opportunity_id")
    return {row["opportunity_id"]: row for row in rows}


def test_first_sync_writes_every_scored_opportunity_and_stamps_system_modstamp(crm):
    set_payload(crm, PAYLOAD, [score(i, "0.4200") for i in OPPORTUNITY_IDS])

    result = sync(crm)

    assert (result.status, result.received, result.changed, result.written, result.failed) == (
        "succeeded", 10, 10, 10, 0,
    )  # fmt: skip
    for row in crm_opportunities(crm).values():
        assert row["ai_win_probability"] == Decimal("0.42")
        assert row["ai_model_version"] == "win@3"
        assert row["system_modstamp"] > SEEDED_AT
        # The rep's own fields are never part of the write.
        assert (row["stage_name"], row["amount"]) == ("Discovery", 50000)
    assert format_summary(result).startswith(
        "opportunity_fields: succeeded - received 10, changed 10, written 10"
    )


def test_rerunning_the_same_payload_writes_nothing(crm):
    set_payload(crm, PAYLOAD, [score(i, "0.4200") for i in OPPORTUNITY_IDS])
    sync(crm)
    before = crm_opportunities(crm)

    result = sync(crm)

    assert (result.changed, result.written) == (0, 0)
    assert crm_opportunities(crm) == before


def test_a_changed_probability_rewrites_only_that_record_and_stamps_its_score_time(crm):
    # GIVEN ten opportunities synced yesterday
    set_payload(crm, PAYLOAD, [score(i, "0.4200") for i in OPPORTUNITY_IDS])
    sync(crm)
    before = crm_opportunities(crm)
    # WHEN today's scores carry a new time everywhere but a new probability on one deal only
    changed_id = OPPORTUNITY_IDS[3]
    today = [score(i, "0.5100" if i == changed_id else "0.4200", at=LATER) for i in OPPORTUNITY_IDS]
    set_payload(crm, PAYLOAD, today)
    result = sync(crm)
    # THEN only that deal is written, with today's score time; the others keep yesterday's stamps
    assert (result.changed, result.written) == (1, 1)
    after = crm_opportunities(crm)
    assert after[changed_id]["ai_win_probability"] == Decimal("0.51")
    assert after[changed_id]["ai_scored_at"] == LATER
    assert after[changed_id]["system_modstamp"] > before[changed_id]["system_modstamp"]
    assert {k: v for k, v in after.items() if k != changed_id} == {
        k: v for k, v in before.items() if k != changed_id
    }


def test_a_null_in_the_payload_never_overwrites_a_reps_or_a_scores_value(crm):
    # GIVEN every deal synced with a probability and a model version
    set_payload(crm, PAYLOAD, [score(i, "0.4200") for i in OPPORTUNITY_IDS])
    sync(crm)
    before = crm_opportunities(crm)
    # WHEN deal 0 is not scored today (null probability and version) but gets a new action
    today = [score(i, "0.4200") for i in OPPORTUNITY_IDS[1:]]
    today += [score(OPPORTUNITY_IDS[0], "0.4200", action="Send the proposal") | {
        "ai_win_probability": None, "ai_model_version": None
    }]  # fmt: skip
    set_payload(crm, PAYLOAD, today)
    result = sync(crm)
    # THEN it keeps yesterday's probability and version, and only its action changes
    after = crm_opportunities(crm)[OPPORTUNITY_IDS[0]]
    assert (after["ai_win_probability"], after["ai_model_version"]) == (Decimal("0.42"), "win@3")
    assert after["ai_next_best_action"] == "Send the proposal"
    assert before[OPPORTUNITY_IDS[0]]["ai_next_best_action"] == "Book a call"
    assert (result.changed, result.written) == (1, 1)


def test_advice_that_no_longer_holds_is_cleared(crm):
    # GIVEN every deal synced with a next best action
    set_payload(crm, PAYLOAD, [score(i, "0.4200") for i in OPPORTUNITY_IDS])
    sync(crm)
    # WHEN deal 0 gets a new probability and no action today, and deal 1 only loses its action
    today = [score(i, "0.4200") for i in OPPORTUNITY_IDS[2:]]
    today += [
        score(OPPORTUNITY_IDS[0], "0.3000", action=None),
        score(OPPORTUNITY_IDS[1], "0.4200", action=None),
    ]
    set_payload(crm, PAYLOAD, today)
    dry = sync(crm, dry_run=True)
    result = sync(crm)
    # THEN both lose yesterday's advice (clear_when_absent), the dry run announced it, and the rest stay
    after = crm_opportunities(crm)
    assert after[OPPORTUNITY_IDS[0]]["ai_win_probability"] == Decimal("0.30")
    assert after[OPPORTUNITY_IDS[0]]["ai_next_best_action"] is None
    assert after[OPPORTUNITY_IDS[1]]["ai_next_best_action"] is None
    assert {after[i]["ai_next_best_action"] for i in OPPORTUNITY_IDS[2:]} == {"Book a call"}
    assert (result.changed, result.written) == (2, 2)
    assert dry.sample[1]["changes"] == {"ai_next_best_action": ("Book a call", None)}
    # AND a rerun sends nothing
    assert sync(crm).changed == 0


def test_a_bad_value_or_unknown_id_fails_only_that_record_and_is_retried(crm):
    # GIVEN a payload with a probability out of numeric(5,4)'s range, a deal the CRM does not
    # know, and a deal listed twice
    payload = [score(i, "0.4200") for i in OPPORTUNITY_IDS[3:]]
    payload += [score(OPPORTUNITY_IDS[0], "12.5"), score("006999999999999999", "0.3000")]
    payload += [score(OPPORTUNITY_IDS[1], "0.1000"), score(OPPORTUNITY_IDS[1], "0.2000")]
    set_payload(crm, PAYLOAD, payload)
    # WHEN it syncs
    result = sync(crm)
    # THEN the good records are written, the three bad ones are failed, logged with a reason
    assert (result.status, result.written, result.failed) == ("partial", 7, 3)
    errors = {r["record_key"]: r["error"] for r in query(crm, "select * from reverse_etl.sync_record_error")}
    assert "not a valid numeric(5,4)" in errors[OPPORTUNITY_IDS[0]]
    assert "no opportunity" in errors["006999999999999999"]
    assert "repeats in 2 payload rows" in errors[OPPORTUNITY_IDS[1]]
    assert crm_opportunities(crm)[OPPORTUNITY_IDS[0]]["ai_win_probability"] is None
    # AND the failed records are offered again on the next run, the written ones are not
    again = sync(crm)
    assert (again.changed, again.written, again.failed) == (2, 0, 3)


def test_a_crm_in_another_database_is_written_and_the_state_stays_in_the_warehouse(crm, other_database):
    create_crm(other_database)
    set_payload(crm, PAYLOAD, [score(i, "0.4200") for i in OPPORTUNITY_IDS])

    first = sync(crm, other_database)
    second = sync(crm, other_database)

    assert (first.written, second.changed, second.written) == (10, 0, 0)
    assert all(r["ai_win_probability"] == Decimal("0.42") for r in crm_opportunities(other_database).values())
    assert all(r["ai_win_probability"] is None for r in crm_opportunities(crm).values())
    assert query(crm, "select count(*) as n from reverse_etl.sync_state")[0]["n"] == 10


def test_writes_are_stamped_with_the_crms_own_clock_when_it_has_one(crm):
    # Regression: stamped with the wall clock, a write at 19:00 lifted the extract's watermark past the
    # simulator's changes of 15:00 that day, and the next extract skipped them (a won deal stayed open).
    # GIVEN a demo CRM whose simulated clock says 2030-01-02
    execute(crm, "insert into sim_truth.clock (current_date_value) values ('2030-01-02')")
    set_payload(crm, PAYLOAD, [score(i, "0.4200") for i in OPPORTUNITY_IDS])

    # WHEN the sync writes
    sync(crm)

    # THEN every written record carries the CRM's time, not the database server's
    stamps = {row["system_modstamp"] for row in crm_opportunities(crm).values()}
    assert stamps == {datetime(2030, 1, 2, tzinfo=UTC)}
