from expectations.suites import EXPECTATIONS_DIR, load_registry
from extract.objects import CRM_OBJECTS


def test_every_crm_object_has_a_warning_suite_and_every_required_one_a_blocking_suite_too():
    registry = load_registry()
    by_table = {(v.table, v.severity) for v in registry}

    for crm_object in CRM_OBJECTS:
        assert (crm_object.name, "warn") in by_table
        # An optional object may be absent, so it can only warn (orchestration/extract/checks.py).
        assert ((crm_object.name, "block") in by_table) is not crm_object.optional, crm_object.name
    for validation in registry:
        assert (EXPECTATIONS_DIR / "suites" / f"{validation.suite}.yml").exists(), validation.suite
        assert validation.asset == f"{validation.schema}/{validation.table}"


def test_check_names_are_unique_per_asset():
    # Dagster names each check after its suite: two suites of one asset with one name would collide.
    names = [(v.asset, v.suite) for v in load_registry()]
    assert len(names) == len(set(names))
