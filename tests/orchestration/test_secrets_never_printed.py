"""A warehouse password never reaches the console, whatever form it is given in and whichever path prints.

Forms libpq accepts: the URL's userinfo (plain or percent-encoded), the `password=` and `sslpassword=`
query parameters, and PGPASSWORD in the environment. Printing paths: `momentum warehouse url`, the
one-line failure of an unreachable warehouse, and the run summary's "where to look next".
"""

from __future__ import annotations

import socket

import pytest
from click.testing import CliRunner

from orchestration.cli import main
from orchestration.summary import print_run_summary
from warehouse.settings import load_settings

SECRET = "s3cr#t"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _forms(port: int) -> list[tuple[str, dict[str, str]]]:
    base = f"127.0.0.1:{port}/sales"
    return [
        (f"postgresql://revops:s3cr%23t@{base}", {}),
        (f"postgresql://revops@{base}?password=s3cr%23t", {}),
        (f"postgresql://revops@{base}?sslmode=prefer&PASSWORD=s3cr%23t", {}),
        (f"postgresql://revops@{base}?sslpassword=s3cr%23t", {}),
        (f"postgresql://revops@{base}", {"PGPASSWORD": SECRET}),
    ]


FORM_IDS = ["userinfo", "password-parameter", "uppercase-parameter", "sslpassword", "PGPASSWORD"]


def _assert_hidden(text: str) -> None:
    assert SECRET not in text and "s3cr%23t" not in text, text


@pytest.mark.parametrize("form", range(len(FORM_IDS)), ids=FORM_IDS)
def test_no_printing_path_shows_the_password(form, tmp_path, capsys):
    url, extra_env = _forms(_closed_port())[form]
    env = {"MOMENTUM_WAREHOUSE_URL": url, "MOMENTUM_HOME": str(tmp_path), **extra_env}
    runner = CliRunner()

    shown = runner.invoke(main, ["warehouse", "url"], env=env)
    assert shown.exit_code == 0, shown.output
    _assert_hidden(shown.output)
    assert "revops" in shown.output  # redacted, not blanked: the user still sees which login is used

    failed = runner.invoke(main, ["run", "--as-of", "2026-12-01"], env=env)
    assert failed.exit_code == 2, failed.output
    assert "MOMENTUM_WAREHOUSE_URL" in failed.output
    _assert_hidden(failed.output)

    print_run_summary(load_settings(env), [], total_seconds=None)
    summary = capsys.readouterr().out
    assert "psql '" in summary and "--backend-store-uri" in summary
    _assert_hidden(summary)
