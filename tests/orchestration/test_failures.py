"""Failures a user can fix end in one line naming what to fix, with no traceback unless --debug."""

from __future__ import annotations

import socket
from datetime import date
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from dagster._utils.error import SerializableErrorInfo

from actions.playbook import PlaybookError, load_playbook
from crm.demo.source import DemoCrmSource
from extract.as_of import AsOfNotServable, check_as_of_servable
from orchestration.cli import main
from orchestration.failures import EXIT_USER_ERROR, explain
from orchestration.progress import failure_message
from tests.reverse_etl.helpers import create_crm


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once the probe is closed


def test_an_unreachable_warehouse_names_the_setting_and_hides_the_password(tmp_path):
    url = f"postgresql://revops@127.0.0.1:{_closed_port()}/sales?password=s3cret"
    env = {"MOMENTUM_WAREHOUSE_URL": url, "MOMENTUM_HOME": str(tmp_path)}

    result = CliRunner().invoke(main, ["run", "--as-of", "2026-12-01"], env=env)

    assert result.exit_code == EXIT_USER_ERROR
    assert "cannot reach the warehouse" in result.output and "MOMENTUM_WAREHOUSE_URL" in result.output
    assert "s3cret" not in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_debug_keeps_the_traceback(tmp_path):
    url = f"postgresql://revops@127.0.0.1:{_closed_port()}/sales"
    env = {"MOMENTUM_WAREHOUSE_URL": url, "MOMENTUM_HOME": str(tmp_path)}

    result = CliRunner().invoke(main, ["--debug", "run", "--as-of", "2026-12-01"], env=env)

    assert result.exit_code != 0
    assert result.exception is not None and "connection" in str(result.exception).lower()


def test_a_home_that_cannot_be_a_folder_is_named(tmp_path):
    occupied = tmp_path / "a-file"
    occupied.write_text("")
    env = {"MOMENTUM_HOME": str(occupied / "home")}

    result = CliRunner().invoke(main, ["run", "--as-of", "2026-12-01"], env=env)

    assert result.exit_code == EXIT_USER_ERROR
    assert f"MOMENTUM_HOME ({occupied / 'home'})" in result.output
    assert "Traceback" not in result.output


def _crm_whose_today_is(url: str, today: date) -> None:
    create_crm(url)  # the demo CRM's schema (tests/reverse_etl/helpers.py); its clock is sim_truth.clock
    with psycopg.connect(url) as conn:
        conn.execute("insert into sim_truth.clock values (%s)", (today,))


def test_a_morning_for_a_day_before_the_crms_today_is_refused_up_front(warehouse_url, tmp_path):
    # GIVEN a CRM whose today is 2026-01-05
    _crm_whose_today_is(warehouse_url, date(2026, 1, 5))
    env = {"MOMENTUM_WAREHOUSE_URL": warehouse_url, "MOMENTUM_HOME": str(tmp_path)}
    # WHEN the morning job is asked for the day before (a backfill after a missed morning)
    result = CliRunner().invoke(main, ["run", "--as-of", "2026-01-04"], env=env)
    # THEN it is refused in one line that says why and what to run instead, before any job starts
    assert result.exit_code == EXIT_USER_ERROR
    assert "--as-of 2026-01-04 is before the CRM's today (2026-01-05)" in result.output
    assert "run without --as-of, or with --as-of 2026-01-05" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "logs").exists()


def test_the_crms_own_today_and_later_days_can_be_served(warehouse_url):
    _crm_whose_today_is(warehouse_url, date(2026, 1, 5))
    with DemoCrmSource(warehouse_url) as source:
        check_as_of_servable(source, date(2026, 1, 5))
        check_as_of_servable(source, date(2026, 1, 8))
        with pytest.raises(AsOfNotServable):
            check_as_of_servable(source, date(2026, 1, 4))


def _playbook_with(tmp_path, play: str) -> Path:
    path = tmp_path / "playbook.yml"
    path.write_text(f"plays:\n  - {play}\n")
    return path


def test_a_trigger_syntax_error_names_the_play_the_file_and_the_expression(tmp_path):
    path = _playbook_with(
        tmp_path,
        "{id: stalled, trigger: 'days_in_stage >= (14', action_type: call, counterfactual: {}, "
        "prior_uplift: 0.1, title: t, context: c, script: s}",
    )

    with pytest.raises(PlaybookError) as raised:
        load_playbook(path)

    message = explain(raised.value)
    assert message.startswith(f"play 'stalled' in {path}: trigger `days_in_stage >= (14` is not valid: ")
    assert "\n" not in message


def test_a_counterfactual_syntax_error_and_a_missing_field_are_named_when_the_playbook_loads(tmp_path):
    broken = _playbook_with(
        tmp_path,
        "{id: quiet, trigger: 'days_since_last_activity >= 10', action_type: call, "
        "counterfactual: {activities_7d: 'activities_7d +'}, prior_uplift: 0.1, title: t, context: c, script: s}",
    )
    with pytest.raises(
        PlaybookError, match=r"play 'quiet' in .*: counterfactual activities_7d `activities_7d \+`"
    ):
        load_playbook(broken)

    missing = _playbook_with(tmp_path, "{id: quiet, trigger: 'amount > 0', action_type: call, title: t}")
    with pytest.raises(PlaybookError) as raised:
        load_playbook(missing)
    assert explain(raised.value) == (
        f"play 'quiet' in {missing} is missing counterfactual, prior_uplift, context, script"
    )


def test_the_step_failure_line_keeps_the_users_message_not_the_innermost_cause():
    # Dagster wraps the user's error, which was itself raised from the tokenizer's.
    tokenizer = SerializableErrorInfo(
        "TokenError: ('EOF in multi-line statement', (2, 0))\n", [], "TokenError"
    )
    ours = SerializableErrorInfo(
        "PlaybookError: play 'stalled' in playbook.yml: trigger `(x` is not valid: '(' was never closed\n",
        [],
        "PlaybookError",
        cause=tokenizer,
    )
    wrapped = SerializableErrorInfo(
        'Error occurred while executing op "actions__tmva_daily":\n',
        [],
        "DagsterExecutionStepExecutionError",
        ours,
    )

    assert failure_message(wrapped) == (
        "PlaybookError: play 'stalled' in playbook.yml: trigger `(x` is not valid: '(' was never closed"
    )


@pytest.mark.parametrize(
    "postgres_says, setting",
    [
        ("canceling statement due to lock timeout", "MOMENTUM_LOCK_TIMEOUT"),
        ("canceling statement due to statement timeout", "MOMENTUM_STATEMENT_TIMEOUT"),
    ],
)
def test_a_step_cancelled_at_a_timeout_names_the_setting_that_cancelled_it(postgres_says, setting):
    cancelled = SerializableErrorInfo(
        f'{postgres_says}\nCONTEXT:  while updating tuple (0,1) in relation "opportunity"\n',
        [],
        "LockNotAvailable" if "lock" in postgres_says else "QueryCanceled",
    )
    wrapped = SerializableErrorInfo(
        'Error occurred while executing op "extract_crm":\n',
        [],
        "DagsterExecutionStepExecutionError",
        cancelled,
    )

    line = failure_message(wrapped)

    assert postgres_says in line and setting in line
    assert "CONTEXT" not in line
