"""The guard after a pause (issue 16: 28 days without a run must not need a force), and its logged release."""

from __future__ import annotations

import dataclasses
from datetime import date

from reverse_etl import guard, load_mappings, run_sync
from tests.reverse_etl.helpers import DEMO_DESTINATION, OPPORTUNITY_IDS, execute, query, score, set_payload

OPPORTUNITIES = load_mappings()["opportunity_fields"]
PAYLOAD = "sync_crm__opportunity_fields"


def sync(url: str, mapping=OPPORTUNITIES, **kwargs):
    return run_sync(url, url, mapping, open_destination=DEMO_DESTINATION, run_id="dagster-run-7", **kwargs)


def synced_then_paused(url: str, days: int) -> None:
    """A first sync and an ordinary morning (1 of 10 deals moved), then `days` without a sync: the log's
    timestamps are moved back as a pause would have left them."""
    set_payload(url, PAYLOAD, [score(i, "0.4200") for i in OPPORTUNITY_IDS])
    sync(url)
    set_payload(
        url, PAYLOAD, [score(i, "0.4300" if n == 0 else "0.4200") for n, i in enumerate(OPPORTUNITY_IDS)]
    )
    assert sync(url).written == 1
    execute(
        url,
        "update reverse_etl.sync_log set started_at = started_at - make_interval(days => %s),"
        " finished_at = finished_at - make_interval(days => %s)",
        (days, days),
    )


def moved(changed: int, probability=lambda n: f"0.{50 + n}00") -> list[dict]:
    """Today's payload: the first `changed` deals at their own new probability, the rest as last written."""
    return [
        score(i, probability(n) if n < changed else ("0.4300" if n == 0 else "0.4200"))
        for n, i in enumerate(OPPORTUNITY_IDS)
    ]


def probabilities(url: str) -> list:
    return [r["ai_win_probability"] for r in query(url, "select * from crm.opportunity order by 1")]


def test_a_return_after_28_days_without_a_sync_writes_without_a_force(crm):
    # GIVEN 28 days without a sync, and every deal moved meanwhile (on the demo CRM 28 days moved 95%)
    synced_then_paused(crm, days=28)
    set_payload(crm, PAYLOAD, moved(10))
    # WHEN the morning syncs
    result = sync(crm)
    # THEN it writes them: the limit expects what 28 days move
    assert (result.status, result.written) == ("succeeded", 10)
    assert [float(p) for p in probabilities(crm)] == [round(0.50 + n / 100, 2) for n in range(10)]


def test_the_same_diff_the_day_after_the_last_write_still_stops(crm):
    synced_then_paused(crm, days=0)
    set_payload(crm, PAYLOAD, moved(8))

    result = sync(crm)

    assert (result.status, result.written) == ("stopped", 0)


def test_days_count_between_as_of_dates_when_the_runs_have_them(crm):
    # GIVEN syncs for an as-of date, then a run 28 as-of days later (a simulated CRM: minutes of wall time)
    set_payload(crm, PAYLOAD, [score(i, "0.4200") for i in OPPORTUNITY_IDS])
    sync(crm, as_of=date(2026, 5, 4))
    set_payload(crm, PAYLOAD, moved(8))
    # WHEN it syncs as of 28 days later, THEN it passes; the same diff as of the next day stops
    assert sync(crm, as_of=date(2026, 5, 5), dry_run=True).message.startswith("a real run would stop")
    assert sync(crm, as_of=date(2026, 6, 1)).written == 8
    assert [r["as_of_date"] for r in query(crm, "select * from reverse_etl.sync_log order by started_at")][
        -1
    ] == (date(2026, 6, 1))


def test_an_all_zero_payload_after_a_pause_still_stops(crm):
    # GIVEN 28 days without a sync
    synced_then_paused(crm, days=28)
    # WHEN every probability comes back at 0 (all ten, then nine of ten)
    for changed in (10, 9):
        set_payload(crm, PAYLOAD, moved(changed, probability=lambda n: "0.0000"))
        result = sync(crm)
        # THEN it stops: identical values everywhere are a broken payload, not a late one
        assert (result.status, result.written) == ("stopped", 0), changed
    assert "no pause allowance" in result.message
    assert 0 not in probabilities(crm)


def test_a_payload_of_wrong_keys_after_a_pause_still_stops(crm):
    synced_then_paused(crm, days=28)
    set_payload(crm, PAYLOAD, [score(f"001{n:015d}", f"0.{50 + n}00") for n in range(10)])

    result = sync(crm)

    assert result.status == "stopped"
    assert "10 of 10 payload records were never synced" in result.message


def test_a_stopped_sync_names_the_commands_that_look_and_release_it(crm):
    synced_then_paused(crm, days=0)
    set_payload(crm, PAYLOAD, moved(8))

    result = sync(crm)

    assert "`momentum run --dry-run`" in result.message
    assert '`momentum run --force-sync opportunity_fields --reason "..."`' in result.message


def test_a_forced_run_is_logged_with_its_reason_and_who_forced_it(crm):
    # GIVEN a sync the guard stops
    synced_then_paused(crm, days=0)
    set_payload(crm, PAYLOAD, moved(8))
    assert sync(crm).status == "stopped"
    # WHEN a user releases it with a reason
    override = guard.Override("new territory split moved every deal", by="dana")
    result = sync(crm, override=override)
    # THEN it writes, and the log says who released it, when and why; earlier runs have no release
    assert (result.status, result.written) == ("succeeded", 8)
    log = query(crm, "select * from reverse_etl.sync_log order by started_at")
    assert [(e["status"], e["force_reason"], e["forced_by"]) for e in log] == [
        ("succeeded", None, None),
        ("succeeded", None, None),
        ("stopped", None, None),
        ("succeeded", "new territory split moved every deal", "dana"),
    ]
    assert log[-1]["forced_at"] is not None and log[-2]["forced_at"] is None


def test_a_change_of_the_compared_fields_lifts_the_guard_once(crm):
    # GIVEN a sync whose mapping compared fewer fields (an older release): every hash differs today
    older = dataclasses.replace(OPPORTUNITIES, fields=OPPORTUNITIES.fields[:-1])
    set_payload(crm, PAYLOAD, [score(i, "0.4200") for i in OPPORTUNITY_IDS])
    sync(crm, older)
    set_payload(crm, PAYLOAD, moved(2))
    sync(crm, older)
    # WHEN today's mapping compares one field more, THEN every record "changes" and the run passes
    result = sync(crm)
    assert (result.status, result.changed) == ("succeeded", 10)
    logged = query(crm, "select compared_fields, force_reason from reverse_etl.sync_log order by started_at")
    assert logged[-1] == {"compared_fields": ",".join(OPPORTUNITIES.compared_fields), "force_reason": None}
