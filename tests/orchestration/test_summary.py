from datetime import date

import dagster as dg

from orchestration.runner import JobReport, _collect_data_counts
from orchestration.summary import champion_hint, data_count_lines


def _report_after(*materializations: dg.AssetMaterialization) -> JobReport:
    report = JobReport("morning", "run-1234abcd", True, date(2026, 12, 6))
    for materialization in materializations:
        _collect_data_counts(report, materialization)
    return report


def _extracted(name: str, **counts: int) -> dg.AssetMaterialization:
    metadata = {"received": 10, "loaded": 10, "rejected": 0, "deleted": 0, "restored": 0, "held": 0} | counts
    return dg.AssetMaterialization(asset_key=["raw_crm", name], metadata=metadata)


def test_the_summary_lists_quarantine_counts_per_object_with_a_pointer_to_the_rejects_table():
    report = _report_after(
        _extracted("opportunity", rejected=2, held=1, deleted=3),
        _extracted("opportunity_history", rejected=1),
        _extracted("user"),
    )

    lines = data_count_lines(report)

    assert lines[0] == (
        "quarantined at extract: opportunity 2, opportunity_history 1; reasons in raw_crm._rejects "
        "(where extract_run_id = 'run-1234abcd')"
    )
    assert any(line.startswith("deleted in the CRM") and line.endswith(": opportunity 3") for line in lines)
    assert any(line.startswith("held (the CRM's newer version is quarantined") for line in lines)


def test_the_summary_says_how_many_deals_were_advised_to_a_manager_or_held_for_want_of_an_active_owner():
    report = _report_after(
        dg.AssetMaterialization(
            asset_key=["actions", "tmva_daily"],
            metadata={"tmvas": 5, "deals_rerouted_to_manager": 1, "deals_held_no_active_owner": 2},
        )
    )

    assert data_count_lines(report) == [
        "TMVAs: 1 deals advised to the owner's manager (owner inactive), 2 held "
        "(owner not an active CRM user and no active manager)"
    ]


def test_a_clean_run_adds_no_line():
    assert data_count_lines(_report_after(_extracted("opportunity"), _extracted("user"))) == []


def test_the_summary_says_why_reps_got_no_tmva():
    # Regression: open deals without amounts gave "TMVAs chosen: 0 for 0 reps" with no reason.
    report = _report_after(
        dg.AssetMaterialization(
            asset_key=["actions", "tmva_daily"],
            metadata={"tmvas": 0, "deals_rerouted_to_manager": 0, "deals_held_no_active_owner": 0,
                      "deals_without_amount": 40, "reps without TMVA: only deals without an amount": 7}
        )
    )  # fmt: skip

    assert data_count_lines(report) == [
        "TMVAs: 40 open deals have no amount: no TMVA can be valued for them (a TMVA is worth amount x uplift); "
        "set Amount on them in the CRM",
        "TMVAs: 7 reps with open deals got none: 7 with only deals without an amount",
    ]


def test_without_a_champion_the_summary_says_scores_come_from_the_stage_probability():
    # Regression: the summary pointed at momentum_win@champion when no champion existed.
    assert "momentum_win@champion" not in champion_hint(None)
    assert "no champion yet" in champion_hint(None)
    assert "scores come from the stage probability" in champion_hint(None)
    assert champion_hint("3").endswith("registered model momentum_win@champion (v3)")
