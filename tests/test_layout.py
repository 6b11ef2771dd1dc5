"""The repository's map holds: one name per stage, the simulator apart, and the README saying so."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import yaml

from orchestration.definitions import defs

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
DBT_FOLDERS = {path.name for path in (ROOT / "dbt_project" / "models").iterdir() if path.is_dir()}
# Who may import the simulator: the CLI that drives it, the benchmarks that build demo CRMs, and tests.
SIMULATOR_IMPORTERS = (
    "orchestration/cli.py",
    "orchestration/sim_cli.py",
    "orchestration/forecast_cli.py",
    "bench/",
    "tests/",
    "simulator/",
)


def _python_files() -> list[Path]:
    skip = {".venv", ".git", "target", "dbt_packages"}
    return [path for path in ROOT.rglob("*.py") if not skip & set(path.relative_to(ROOT).parts)]


def _asset_groups() -> set[str]:
    graph = defs.resolve_asset_graph()
    return {graph.get(key).group_name for key in graph.get_all_asset_keys()}


def test_every_asset_group_is_a_library_folder_with_its_dagster_module_or_a_dbt_folder():
    for group in _asset_groups():
        library = (ROOT / group / "__init__.py").exists() and (ROOT / "orchestration" / group).is_dir()
        assert library or group in DBT_FOLDERS, f"asset group {group!r} has no folder of its own"


def test_every_dagster_module_is_named_for_its_library_folder():
    modules = [path.name for path in (ROOT / "orchestration").iterdir() if (path / "__init__.py").exists()]
    assert modules
    for name in modules:
        assert (ROOT / name).is_dir(), f"orchestration/{name}/ has no library folder {name}/"


def test_the_readme_stage_map_names_every_asset_group():
    table = README[README.index("| stage |") : README.index("```", README.index("| stage |"))]
    for group in _asset_groups():
        assert f"`{group}`" in table, f"asset group {group} missing from the README's stage map"


def test_no_simulator_file_lives_outside_the_simulator():
    strays = [path for path in _python_files() if path.name.startswith("demo_")]
    assert strays == []


def test_only_the_cli_benchmarks_and_tests_import_the_simulator():
    offenders = []
    for path in _python_files():
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith(SIMULATOR_IMPORTERS):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            if any(name == "simulator" or name.startswith("simulator.") for name in names):
                offenders.append(relative)
    assert offenders == []


def test_the_readme_counts_the_registered_suites():
    registry = yaml.safe_load((ROOT / "expectations" / "registry.yml").read_text())
    (count,) = re.findall(r"(\d+) suites", README)
    assert int(count) == len(registry["validations"])


def test_code_cites_the_design_document_that_is_in_the_repository():
    cited = [
        path.relative_to(ROOT).as_posix()
        for path in ROOT.rglob("*")
        if path.is_file()
        and path.suffix in (".py", ".sql", ".yml", ".md")
        and not {".venv", ".git", "target"} & set(path.relative_to(ROOT).parts)
        and path.name != "test_layout.py"
        and "DESIGN.md" in path.read_text()
    ]
    assert cited == []
    assert (ROOT / "docs" / "ARCHITECTURE.md").exists()
