"""A drift check that cannot run warns with its error; it never fails the morning run it watches."""

import dagster as dg

from orchestration.ml.drift_checks import _warns_when_it_cannot_run


def test_a_check_that_raises_becomes_a_warning_naming_the_error():
    @_warns_when_it_cannot_run
    def broken(momentum) -> dg.AssetCheckResult:
        raise KeyError("rows")

    result = broken(momentum=None)
    assert not result.passed
    assert result.severity == dg.AssetCheckSeverity.WARN
    assert result.description == "the check could not run: KeyError: 'rows'"


def test_a_check_that_runs_is_returned_unchanged():
    @_warns_when_it_cannot_run
    def fine(momentum) -> dg.AssetCheckResult:
        return dg.AssetCheckResult(passed=True, description="ok")

    assert fine(momentum=None).description == "ok"
