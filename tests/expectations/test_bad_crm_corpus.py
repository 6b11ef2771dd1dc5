"""A corpus of bad CRM data, each kind with its exact outcome: quarantined at extract with a
reason, warned by a warn suite, or blocked by a blocking suite with a message naming the table,
the expectation and the column. In every case nothing is lost: received = loaded + rejected.
(Blocked means the Dagster check fails and nothing downstream runs, so no CRM field changes: the
chain wiring is covered in tests/orchestration and tests/integration.)"""

import pytest

from tests.databases import scratch_database
from tests.expectations.clean_crm import create_clean_crm, execute, extract_and_validate, query, rejects


@pytest.fixture(scope="module")
def corpus_database(server_url):
    # One database for the module, its schemas recreated per case: creating and dropping a database
    # per test cost ~8 s each on the embedded server, more than the case itself.
    with scratch_database(server_url, "corpus") as url:
        yield url


@pytest.fixture
def crm(corpus_database):
    create_clean_crm(corpus_database)
    return corpus_database


def _assert_reconciles(load):
    for extract in load.extracts.values():
        assert extract.received == extract.loaded + extract.rejected, extract


def test_the_clean_crm_passes_every_suite_and_loads_every_row(crm):
    load = extract_and_validate(crm, tables=None)

    assert len(load.outcomes) == 21  # 10 required objects x (block + warn) + the optional organization
    assert load.failed == {}
    assert load.extracts["opportunity"].received == load.extracts["opportunity"].loaded == 20
    assert rejects(crm) == []


def test_duplicate_opportunity_ids_keep_the_latest_version_and_quarantine_the_other(crm):
    # GIVEN a source that repeats opp1: an older copy with another amount
    execute(
        crm,
        "alter table crm.opportunity drop constraint opportunity_pkey; "
        "insert into crm.opportunity select * from crm.opportunity where opportunity_id = 'opp1'; "
        "update crm.opportunity set amount = 1, system_modstamp = system_modstamp - interval '1 minute' "
        "where ctid = (select max(ctid) from crm.opportunity where opportunity_id = 'opp1')",
    )

    load = extract_and_validate(crm)

    opportunity = load.extracts["opportunity"]
    assert (opportunity.received, opportunity.loaded, opportunity.rejected) == (21, 20, 1)
    assert rejects(crm) == [("opportunity", "duplicate_id", "opp1")]
    assert query(crm, "select amount from raw_crm.opportunity where opportunity_id = 'opp1'") == [(1000,)]
    assert load.failed == {}
    _assert_reconciles(load)


def test_missing_ids_are_quarantined(crm):
    execute(
        crm,
        "alter table crm.opportunity drop constraint opportunity_pkey, alter column opportunity_id drop not null; "
        "update crm.opportunity set opportunity_id = null where opportunity_id = 'opp19'; "
        "update crm.opportunity set opportunity_id = '  ' where opportunity_id = 'opp20'",
    )

    load = extract_and_validate(crm)

    assert [(o, r) for o, r, _ in rejects(crm)] == [("opportunity", "missing_id")] * 2
    assert (load.extracts["opportunity"].loaded, load.extracts["opportunity"].rejected) == (18, 2)
    _assert_reconciles(load)


def test_non_numeric_amounts_are_quarantined_and_the_rest_loads(crm):
    # GIVEN a first clean load (the raw table's types are the contract from then on)
    extract_and_validate(crm)
    # WHEN the CRM starts sending amounts as text, two of them not numbers
    execute(
        crm,
        "alter table crm.opportunity alter column amount type text; "
        "update crm.opportunity set amount = 'n/a', system_modstamp = now() where opportunity_id = 'opp1'; "
        "update crm.opportunity set amount = '1,200.00', system_modstamp = now() where opportunity_id = 'opp2'; "
        "update crm.opportunity set amount = ' 1200.50 ', system_modstamp = now() where opportunity_id = 'opp3'",
    )
    load = extract_and_validate(crm)

    # THEN those two are quarantined with the column named, the parseable one loads as a number
    assert rejects(crm) == [
        ("opportunity", "unparseable:amount", "opp1"),
        ("opportunity", "unparseable:amount", "opp2"),
    ]
    assert query(crm, "select amount from raw_crm.opportunity where opportunity_id = 'opp3'") == [(1200.50,)]
    assert load.failed == {}
    _assert_reconciles(load)


def test_mixed_date_formats_load_only_iso_dates(crm):
    extract_and_validate(crm)
    execute(
        crm,
        "alter table crm.opportunity alter column close_date type text; "
        "update crm.opportunity set close_date = '31/12/2026', system_modstamp = now() where opportunity_id = 'opp1'; "
        "update crm.opportunity set close_date = '12/31/2026', system_modstamp = now() where opportunity_id = 'opp2'; "
        "update crm.opportunity set close_date = 'Dec 31 2026', system_modstamp = now() where opportunity_id = 'opp3'; "
        "update crm.opportunity set close_date = '2026-12-31', system_modstamp = now() where opportunity_id = 'opp4'",
    )

    load = extract_and_validate(crm)

    # 12/31/2026 would parse (DateStyle MDY), but 03/04 would too, silently: only ISO 8601 is accepted.
    assert rejects(crm) == [("opportunity", "unparseable:close_date", f"opp{n}") for n in (1, 2, 3)]
    assert query(crm, "select close_date::text from raw_crm.opportunity where opportunity_id = 'opp4'") == [
        ("2026-12-31",)
    ]
    _assert_reconciles(load)


def test_a_negative_amount_is_quarantined_naming_the_column(crm):
    # (Before issue 14 it loaded and the raw suite's amount >= 0 blocked the whole run; that
    # expectation stays as a backstop for raw rows loaded before the extract checked ranges.)
    execute(crm, "update crm.opportunity set amount = -10 where opportunity_id = 'opp1'")

    load = extract_and_validate(crm)

    assert rejects(crm) == [("opportunity", "out_of_range:amount", "opp1")]
    assert "raw_opportunity" not in load.failed
    _assert_reconciles(load)


def test_an_unknown_stage_blocks_naming_the_stage_metadata(crm):
    execute(
        crm, "update crm.opportunity set stage_name = 'Sleeping' where opportunity_id in ('opp1', 'opp2')"
    )

    load = extract_and_validate(crm)

    assert list(load.failed) == ["raw_opportunity"]
    assert load.failed["raw_opportunity"].endswith(
        "stage_in_stage_metadata on stage_name failed "
        "(stage_name known to the stage metadata (raw_crm.opportunity_stage)) (observed: 2, e.g. opp1 / Sleeping; opp2 / Sleeping)"
    )


def test_a_close_date_in_2099_blocks(crm):
    execute(crm, "update crm.opportunity set close_date = '2099-12-31' where opportunity_id = 'opp1'")

    load = extract_and_validate(crm)

    assert list(load.failed) == ["raw_opportunity"]
    assert load.failed["raw_opportunity"].endswith(
        "expect_column_values_to_be_between on close_date failed (observed: 1)"
    )


def test_owners_missing_from_users_warn_beyond_two_percent(crm):
    execute(
        crm, "update crm.opportunity set owner_id = 'u404' where opportunity_id in ('opp1', 'opp2', 'opp3')"
    )

    load = extract_and_validate(crm)

    assert not load.blocked and list(load.failed) == ["raw_opportunity__warnings"]
    assert load.failed["raw_opportunity__warnings"].endswith(
        "momentum_references on owner_id failed "
        "(owner_id found in raw_crm.user.user_id for at least 98% of rows) (observed: 3, e.g. u404)"
    )


def test_history_before_the_deal_was_created_warns(crm):
    execute(crm, "update crm.opportunity_history set created_date = '2025-12-01' where history_id = 'h1'")

    load = extract_and_validate(crm)

    assert not load.blocked and list(load.failed) == ["raw_opportunity_history__warnings"]
    assert "history_after_creation on created_date failed" in load.failed["raw_opportunity_history__warnings"]
    assert "(observed: 1, e.g. h1 / 2025-12-01" in load.failed["raw_opportunity_history__warnings"]


@pytest.mark.parametrize(
    ("change", "not_received"),
    [
        ("alter table crm.opportunity drop column forecast_category", "forecast_category"),
        ("alter table crm.opportunity rename column amount to amount_usd", "amount"),
    ],
    ids=["column_missing", "column_renamed"],
)
def test_a_column_the_crm_stopped_sending_blocks_naming_it(crm, change, not_received):
    # GIVEN a first clean load, then the CRM drops or renames a column
    extract_and_validate(crm)
    execute(
        crm, f"{change}; update crm.opportunity set system_modstamp = now() where opportunity_id = 'opp1'"
    )

    # WHEN the next extract runs
    load = extract_and_validate(crm)

    # THEN the rows still load (nothing lost), and the blocking suite names the column
    assert load.extracts["opportunity"].missing_columns == (not_received,)
    assert list(load.failed) == ["raw_opportunity"]
    assert load.failed["raw_opportunity"].endswith(
        "momentum_source_columns_received failed (the last extract received every column of "
        f"raw_crm.opportunity (not received: {not_received})) (observed: 1, e.g. {not_received})"
    )
    _assert_reconciles(load)


def test_an_empty_first_extract_blocks(crm):
    execute(
        crm,
        "truncate crm.opportunity, crm.opportunity_history, crm.opportunity_contact_role; "
        "update crm.task set what_id = null; update crm.event set what_id = null",
    )

    load = extract_and_validate(crm)

    assert (load.extracts["opportunity"].received, load.extracts["opportunity"].loaded) == (0, 0)
    assert list(load.failed) == ["raw_opportunity", "raw_opportunity_history__warnings"]
    assert load.failed["raw_opportunity"] == (
        "raw_crm__opportunity on raw_crm.opportunity: "
        "expect_table_row_count_to_be_between failed (observed: 0)"
    )


def test_a_ten_times_volume_spike_warns(crm):
    # GIVEN a validated load of 20 deals
    extract_and_validate(crm)
    # WHEN 180 more arrive at once
    execute(
        crm,
        "insert into crm.opportunity (opportunity_id, account_id, owner_id, name, stage_name, amount, close_date, "
        "created_date, system_modstamp) select 'bulk' || g, 'a1', 'u1', 'Imported', 'Prospecting', 100, "
        "current_date + 30, now(), now() from generate_series(1, 180) g",
    )
    load = extract_and_validate(crm)

    assert not load.blocked and list(load.failed) == ["raw_opportunity__warnings"]
    assert load.failed["raw_opportunity__warnings"].endswith(
        "momentum_volume_near_previous failed (row count between 0.5x and 3x the previous validation's (20)) "
        "(observed: 200)"
    )
    _assert_reconciles(load)


def test_stray_whitespace_in_picklists_warns_but_the_stage_is_still_known(crm):
    execute(
        crm,
        "update crm.opportunity set stage_name = ' Negotiation ', forecast_category = 'Commit ' "
        "where opportunity_id = 'opp1'",
    )

    load = extract_and_validate(crm)

    assert not load.blocked and list(load.failed) == ["raw_opportunity__warnings"]
    assert load.failed["raw_opportunity__warnings"].endswith(
        "expect_column_values_to_not_match_regex on stage_name failed (observed: 1); "
        "expect_column_values_to_not_match_regex on forecast_category failed (observed: 1)"
    )
