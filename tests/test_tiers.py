"""The tier rules of tests/conftest.py still name real modules and fixtures, and cover every end-to-end module:
a renamed file or fixture would otherwise silently move heavy tests into the fast tier."""

import re
from pathlib import Path

from tests.conftest import SLOW_FIXTURES, SLOW_MODULES, TINY_DEMO_MODULES

TESTS = Path(__file__).parent
MODULES = {path: path.read_text() for path in TESTS.rglob("test_*.py") if path.name != Path(__file__).name}


def _uses(source: str, name: str) -> bool:
    return re.search(rf"\b{name}\b", source) is not None


def test_every_named_module_exists_once():
    names = [path.name for path in MODULES]
    for name in SLOW_MODULES | TINY_DEMO_MODULES:
        assert names.count(name) == 1, name


def test_every_slow_fixture_is_defined_in_a_conftest():
    conftests = "".join(path.read_text() for path in TESTS.rglob("conftest.py"))
    for name in SLOW_FIXTURES:
        assert re.search(rf"^def {name}\(", conftests, re.MULTILINE), name


def test_the_modules_that_use_the_tiny_demo_are_the_ones_scheduled_together():
    users = {path.name for path, source in MODULES.items() if _uses(source, "tiny_demo")}

    assert users == TINY_DEMO_MODULES


def test_every_module_that_runs_a_job_or_dbt_on_a_demo_crm_is_slow():
    for path, source in MODULES.items():
        runs_job = "run_job(" in source
        dbt_on_demo_crm = "run_dbt(" in source and "build_demo_crm(" in source
        if runs_job or dbt_on_demo_crm:
            uses_slow_fixture = any(_uses(source, name) for name in SLOW_FIXTURES)
            assert path.name in SLOW_MODULES or uses_slow_fixture, path.relative_to(TESTS)
