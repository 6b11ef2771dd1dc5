from datetime import date

import pandas as pd

from actions.playbook import load_playbook
from actions.templates import deal_facts, render
from actions.timing import DEFAULT_LOCAL_HOUR, best_hours_by_seniority, recommended_at

AS_OF = date(2026, 11, 23)


def test_best_hour_is_the_busiest_reliable_hour_for_the_seniority():
    rates = pd.DataFrame(
        {
            "seniority": ["VP", "VP", "VP", "IC"],
            "contact_local_hour": [9, 16, 3, 11],
            "call_count": [50, 40, 500, 5],
            "connect_rate": [0.20, 0.35, 0.90, 0.99],
        }
    )

    hours = best_hours_by_seniority(rates)

    # 03:00 is outside business hours and IC's 11:00 rests on 5 calls: neither is trusted.
    assert hours == {"VP": 16}
    assert hours.get("IC", DEFAULT_LOCAL_HOUR) == DEFAULT_LOCAL_HOUR


def test_recommended_time_is_the_local_hour_in_the_contacts_time_zone():
    assert recommended_at(AS_OF, 10, "America/New_York").isoformat() == "2026-11-23T15:00:00+00:00"
    assert recommended_at(AS_OF, 10, "Not/AZone").isoformat() == "2026-11-23T10:00:00+00:00"


def test_a_rendered_action_carries_the_deal_facts():
    deal = pd.Series(
        {
            "opportunity_name": "Globex renewal",
            "account_name": "Globex",
            "stage_name": "Proposal",
            "amount": 48000.0,
            "close_date": date(2026, 11, 1),
            "days_in_stage": 21,
            "contact_name": "Dana Scully",
            "owner_name": "Fox Mulder",
            "last_activity_at": pd.Timestamp("2026-11-02T10:00:00Z"),
            "last_activity_subject": "Demo follow-up",
        }
    )
    plays = {play.id: play for play in load_playbook().plays}

    stalled = render(plays["revive_stalled_deal"], deal_facts(deal, AS_OF))
    past = render(plays["confirm_past_close_date"], deal_facts(deal, AS_OF))

    assert "Dana Scully" in stalled["title"]
    assert "$48,000" in stalled["context"] and "21 days" in stalled["context"]
    assert "'Demo follow-up' 21 days ago" in stalled["context"]
    assert stalled["script"].startswith("Hi Dana, it's Fox.")
    assert "passed 22 days ago" in past["context"]


def test_a_missing_fact_renders_as_unknown_instead_of_failing():
    facts = deal_facts(pd.Series({"opportunity_name": "X", "amount": None}), AS_OF)
    text = render(load_playbook().plays[0], facts)

    assert "amount not set" in text["context"]
    assert "the main contact" in text["title"]


def test_every_play_reads_well_when_the_contact_account_amount_and_close_date_are_missing():
    # Regression: the contact fallback "your main contact" fed the first-name field, so a script read
    # "your, to make sure the proposal fits how (unknown) approves spend".
    deal = pd.Series(
        {"opportunity_name": "Big deal", "stage_name": "Proposal", "owner_name": "Fox Mulder", "contact_name": None,
         "account_name": None, "amount": None, "close_date": None, "days_in_stage": 30,
         "days_since_last_activity": 12, "contacts_engaged_90d": 0}
    )  # fmt: skip

    # confirm_past_close_date needs a close date to trigger (actions/valuation.py), so it never renders here.
    plays = [play for play in load_playbook().plays if play.id != "confirm_past_close_date"]
    rendered = {play.id: render(play, deal_facts(deal, AS_OF)) for play in plays}

    for play_id, text in rendered.items():
        for field, sentence in text.items():
            assert "(unknown)" not in sentence and "your," not in sentence, (play_id, field, sentence)
    assert rendered["reach_economic_buyer"]["script"].startswith(
        "Hi there, to make sure the proposal fits how your company"
    )
    assert rendered["re_engage_quiet_deal"]["script"].endswith("is the timeline still what we discussed?")
    assert rendered["multi_thread"]["context"].startswith(
        "Only 0 contact engaged at the account (none on the deal)"
    )
    assert "(amount not set" in rendered["revive_stalled_deal"]["context"]
    assert rendered["revive_stalled_deal"]["title"] == "Call the main contact to get Big deal moving again"


def test_a_contact_present_still_fills_the_script_in_the_buyers_own_words():
    deal = pd.Series({"opportunity_name": "X", "contact_name": "Dana Scully", "account_name": "Globex"})
    script = render(
        {play.id: play for play in load_playbook().plays}["reach_economic_buyer"], deal_facts(deal, AS_OF)
    )["script"]

    assert script.startswith("Hi Dana, to make sure the proposal fits how Globex approves spend")
