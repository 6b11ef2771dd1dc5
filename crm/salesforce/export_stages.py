"""Stage metadata for a Salesforce data export that has no OpportunityStage.csv.

A weekly data export may leave the stage metadata out. What each stage means (closed, won, its default
probability and forecast category) then comes from the deals themselves: every Opportunity row carries its
StageName with IsClosed, IsWon, Probability and ForecastCategoryName, which Salesforce sets from the stage
(a rep may override the last two, so each stage takes its deals' most common value). Stage names stay the
org's own; no meaning is ever read from a name. The order of the stages (SortOrder) is their probability,
open stages first, then the won and the lost ones. As crm/hubspot/export_tables.py does for HubSpot's
`Is closed` / `Is Closed Won`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from crm.salesforce.export_files import ExportFile, ExportFileError
from crm.salesforce.fields import OBJECTS_BY_API_NAME

STAGE_OBJECT = OBJECTS_BY_API_NAME["OpportunityStage"]
COLUMNS = (
    "id",
    "apiname",
    "masterlabel",
    "sortorder",
    "isactive",
    "isclosed",
    "iswon",
    "defaultprobability",
    "forecastcategoryname",
    "systemmodstamp",
)
_TRUE = {"1", "true"}


@dataclass(frozen=True)
class StagesFromDeals:
    """OpportunityStage rows built from Opportunity.csv, read like an export file (columns, rows())."""

    opportunities: ExportFile
    sf_object = STAGE_OBJECT
    delimiter = ","
    columns = COLUMNS

    @property
    def path(self) -> Path:
        return self.opportunities.path

    def rows(self) -> Iterator[list[str]]:
        yield from stage_rows(self.opportunities)


def stage_rows(opportunities: ExportFile) -> list[list[str]]:
    """One row per StageName of the deals, in COLUMNS order, values as an export writes them."""
    column = {name: opportunities.columns.index(name) for name in opportunities.columns if name}

    def value(row: list[str], name: str) -> str:
        return row[column[name]].strip() if name in column else ""

    flags: dict[str, Counter] = defaultdict(Counter)
    probabilities: dict[str, Counter] = defaultdict(Counter)
    categories: dict[str, Counter] = defaultdict(Counter)
    latest_stamp: dict[str, str] = {}
    for row in opportunities.rows():
        stage = value(row, "stagename")
        if not stage:
            continue  # a deal without a stage is quarantined by the extract, not a stage
        closed, won = value(row, "isclosed").lower() in _TRUE, value(row, "iswon").lower() in _TRUE
        flags[stage][(closed, won)] += 1
        if value(row, "probability"):
            probabilities[stage][value(row, "probability")] += 1
        if value(row, "forecastcategoryname"):
            categories[stage][value(row, "forecastcategoryname")] += 1
        # ISO stamps of one form compare as text; the stage's rows must not move the export's today.
        latest_stamp[stage] = max(latest_stamp.get(stage, ""), value(row, "systemmodstamp"))

    stages = []
    for stage, counts in flags.items():
        closed, won = counts.most_common(1)[0][0]
        if probabilities[stage]:
            probability = probabilities[stage].most_common(1)[0][0]
        elif closed:
            probability = "100" if won else "0"
        else:
            raise ExportFileError(
                f"{opportunities.path.name}: the stage {stage} has no Probability on any deal and the export has "
                "no OpportunityStage.csv: include OpportunityStage in the data export"
            )
        category = categories[stage].most_common(1)[0][0] if categories[stage] else ""
        stages.append((closed, not won, _number(probability), stage, probability, category, closed, won))

    rows = []
    for position, (*_, stage, probability, category, closed, won) in enumerate(sorted(stages), start=1):
        rows.append(
            [
                f"01J{position:012d}",
                stage,
                stage,
                str(position),
                "1",
                "1" if closed else "0",
                "1" if won else "0",
                probability,
                category,
                latest_stamp[stage],
            ]
        )
    return rows


def _number(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        return Decimal(0)  # the extract quarantines the stage row with its reason
