"""Loading the definitions reads dbt's manifest and nothing else: no dbt process at import."""

import subprocess
import sys
import textwrap

import pytest

from orchestration.dbt_project import manifest


def test_importing_the_definitions_starts_no_dbt_process():
    # The manifest exists (tests/conftest.py prepared it); any dbt CLI call at import would now fail loudly.
    script = textwrap.dedent(
        """
        import dagster_dbt

        def refuse(*args, **kwargs):
            raise AssertionError("dbt was invoked while importing the definitions")

        dagster_dbt.DbtCliResource.cli = refuse
        from orchestration.definitions import defs

        print(len(defs.resolve_asset_graph().get_all_asset_keys()))
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert int(result.stdout.strip().splitlines()[-1]) > 40


def test_a_stale_manifest_is_named_with_what_to_do(monkeypatch):
    monkeypatch.setattr(manifest, "_stale", lambda staging: True)
    with pytest.raises(manifest.ManifestMissing, match="through the `momentum` command"):
        manifest.require_manifest()
