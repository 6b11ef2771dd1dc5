"""`momentum crm check`: can Momentum work with this CRM, and what is missing for which feature?

Reads the configured source the way the extract does (its objects, their fields, their ids) and compares
what it finds with what Momentum reads (extract/layout.py: the objects each feature needs and, for
Salesforce, the fields of crm/salesforce/fields.py). Nothing is written to the warehouse.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from extract.layout import FeatureNeed
from extract.source import CrmSource

# What a source may raise when an object cannot be read as configured (a hidden field, a refused query,
# an unreadable file): reported against the object, and the check goes on with the next one.
READ_ERRORS = (LookupError, ValueError, RuntimeError, OSError)


@dataclass
class ObjectReport:
    name: str
    present: bool = False
    fields: int = 0
    missing_required: list[str] = field(default_factory=list)
    missing_optional: list[str] = field(default_factory=list)
    rows: int | None = None  # None: the source cannot list its records
    error: str | None = None


@dataclass
class NeedReport:
    need: FeatureNeed
    missing: list[str]  # objects absent or unreadable

    @property
    def met(self) -> bool:
        return not self.missing


@dataclass
class CrmReport:
    source: str
    objects: list[ObjectReport]
    needs: list[NeedReport]
    budget: str | None = None

    @property
    def problems(self) -> list[str]:
        """What stops Momentum from working with this CRM; empty when nothing does."""
        problems = [
            f"{need.need.feature}: missing {', '.join(need.missing)}"
            for need in self.needs
            if need.need.required and not need.met
        ]
        for report in self.objects:
            if report.missing_required:
                problems.append(
                    f"{report.name}: required fields missing: {', '.join(report.missing_required)}"
                )
        return problems


def check_crm(source: CrmSource) -> CrmReport:
    layout = source.layout
    with source:
        objects = [
            _check_object(
                source, crm_object.name, crm_object.primary_key, layout.fields.get(crm_object.name, ())
            )
            for crm_object in layout.objects
        ]
        budget: Callable[[], str] | None = getattr(source, "api_budget", None)
        budget_text = budget() if budget is not None else None
    readable = {
        report.name
        for report in objects
        if report.present and not report.error and not report.missing_required
    }
    needs = [
        NeedReport(need, [name for name in need.objects if name not in readable]) for need in layout.needs
    ]
    return CrmReport(source.name, objects, needs, budget_text)


def _check_object(
    source: CrmSource, name: str, primary_key: str, expected: tuple[tuple[str, bool], ...]
) -> ObjectReport:
    report = ObjectReport(name)
    try:
        columns = {column for column, _ in source.columns(name)}
    except READ_ERRORS as error:
        report.error = str(error)
        return report
    report.present = bool(columns)
    if not report.present:
        return report
    report.fields = len(columns)
    report.missing_required = [column for column, required in expected if required and column not in columns]
    report.missing_optional = [
        column for column, required in expected if not required and column not in columns
    ]
    try:
        blocks = source.copy_ids(name, primary_key)
        report.rows = None if blocks is None else sum(bytes(block).count(b"\n") for block in blocks)
    except READ_ERRORS as error:
        report.error = str(error)
    return report


def format_report(report: CrmReport) -> str:
    lines = [f"CRM: {report.source}", "", "objects:"]
    for obj in report.objects:
        if obj.error:
            lines.append(f"  {obj.name:<26} cannot be read: {obj.error}")
            continue
        if not obj.present:
            lines.append(f"  {obj.name:<26} absent")
            continue
        rows = "? records" if obj.rows is None else f"{obj.rows:,} records"
        line = f"  {obj.name:<26} {rows:>16}, {obj.fields} fields"
        if obj.missing_required:
            line += f"; REQUIRED fields missing: {', '.join(obj.missing_required)}"
        if obj.missing_optional:
            line += f"; not available (optional): {', '.join(obj.missing_optional)}"
        lines.append(line)
    lines += ["", "what Momentum can do with it:"]
    for need in report.needs:
        status = "ok" if need.met else ("MISSING" if need.need.required else "not available")
        detail = "" if need.met else f" (needs {', '.join(need.missing)})"
        lines.append(f"  {status:<14} {need.need.feature}{detail}")
    if report.budget:
        lines += ["", f"API budget: {report.budget}"]
    problems = report.problems
    lines += [
        "",
        "ready: Momentum can run on this CRM" if not problems else "NOT READY: " + "; ".join(problems),
    ]
    return "\n".join(lines)
