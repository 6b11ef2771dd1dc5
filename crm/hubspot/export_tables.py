"""What an export does not hold as a table, rebuilt from the deals, companies and contacts exports in the
shape of raw_hubspot's tables (crm/hubspot/properties.py), so staging reads an export as it reads the API:

- owners: an export names them ("Deal owner": "Ana Lima"), so the name is the owner's id; the owner's team
  is the "HubSpot Team" most of their deals carry. An export does not say who is deactivated: all are active.
- deal stages: from the optional pipelines file, else from the deals themselves ("Is closed", "Is Closed
  Won"; an open stage's probability from "Deal probability", else the share of the export's closed deals
  that entered it and were won). A stage's id is `<pipeline>|<label>`: an export shows labels only.
- history: one `dealstage` version per "Date entered <stage> (<pipeline>)" value. An export keeps no
  history of the amount, close date or forecast category: the current amount and close date stand from the
  deal's creation (a deal needs them to be valued), so close-date pushes and amount changes cannot be learned
  from an export; the forecast category is left out, since a closed deal's (Closed, Omit) back-dated would give
  the outcome away (the leakage check refused such a model: 96% of its gain). Without any "Date entered"
  column there is no history at all, and the minimum-data message names it.
- contact roles: the deal's "Associated Contact IDs", unlabelled (an export has no association labels).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime

from crm.hubspot.export_files import HubSpotExport, HubSpotExportFile
from crm.salesforce.export_files import ExportFileError
from crm.salesforce.export_source import parse_stamp

TRUE_WORDS = {"true", "yes", "1"}
FALSE_WORDS = {"false", "no", "0"}
DEFAULT_PIPELINE = "Sales Pipeline"
_HISTORY_OF_CURRENT = ("amount", "closedate")
# Not a raw column: what an incremental read of the history compares with its watermark.
DEAL_MODIFIED = "_deal_modified"


def stage_id(pipeline: str, label: str) -> str:
    return f"{pipeline or DEFAULT_PIPELINE}|{label}"


def as_bool(text: str) -> str:
    lowered = text.strip().lower()
    return "true" if lowered in TRUE_WORDS else "false" if lowered in FALSE_WORDS else text


def as_fraction(text: str) -> str:
    """A probability as HubSpot shows it ("0.2", "20%", "20") as a 0-1 fraction; "" when none."""
    cleaned = text.strip().rstrip("%").strip()
    try:
        value = float(cleaned)
    except ValueError:
        return text.strip()
    return str(value / 100 if text.strip().endswith("%") or value > 1 else value)


def first_id(text: str) -> str:
    """The first of an association column's ids ("123;456")."""
    return text.split(";")[0].strip()


def owner_rows(export: HubSpotExport) -> Iterator[dict[str, str]]:
    first: dict[str, str] = {}
    last: dict[str, str] = {}
    teams: dict[str, Counter] = defaultdict(Counter)
    for name in ("deals", "companies"):
        export_file = export.files.get(name)
        if export_file is None:
            continue
        for row in export_file.rows():
            owner = export_file.value(row, "hubspot_owner_id")
            if not owner:
                continue
            _keep_earliest(first, owner, export_file.value(row, "createdate"))
            _keep_latest(last, owner, export_file.value(row, "hs_lastmodifieddate"))
            if export_file.value(row, "team"):
                teams[owner][export_file.value(row, "team")] += 1
    for owner in sorted(set(first) | set(last)):
        firstname, _, lastname = owner.partition(" ")
        team = teams[owner].most_common(1)[0][0] if teams[owner] else ""
        yield {
            "id": owner,
            "firstname": firstname,
            "lastname": lastname,
            "primary_team": team,
            "archived": "false",
            "createdat": first.get(owner, ""),
            "updatedat": last.get(owner, ""),
        }


def stage_rows(export: HubSpotExport) -> list[dict[str, str]]:
    updated = _latest_modified(export.deals)
    if "pipelines" in export.files:
        pipelines = export.files["pipelines"]
        return [
            {
                "id": stage_id(pipelines.value(row, "pipeline_label"), pipelines.value(row, "label")),
                "pipeline_id": pipelines.value(row, "pipeline_label"),
                "pipeline_label": pipelines.value(row, "pipeline_label"),
                "label": pipelines.value(row, "label"),
                "displayorder": pipelines.value(row, "displayorder") or str(order),
                "probability": as_fraction(pipelines.value(row, "probability")),
                "isclosed": as_bool(pipelines.value(row, "isclosed")),
                "archived": "false",
                "updatedat": updated,
            }
            for order, row in enumerate(pipelines.rows())
        ]
    return _stages_from_deals(export, updated)


def _stages_from_deals(export: HubSpotExport, updated: str) -> list[dict[str, str]]:
    deals = export.deals
    missing = [
        label
        for prop, label in (("hs_is_closed", "Is closed"), ("hs_is_closed_won", "Is Closed Won"))
        if prop not in deals.positions
    ]
    if missing:
        raise ExportFileError(
            f"{deals.path.name} has no column {' or '.join(missing)}, and the folder no pipelines.csv: Momentum "
            "needs to know which deal stages are closed and won: export deals with the Is closed and Is Closed Won "
            "properties, or add pipelines.csv with the columns Pipeline, Stage, Probability, Is closed"
        )
    closed: dict[str, Counter] = defaultdict(Counter)
    probability: dict[str, Counter] = defaultdict(Counter)
    entered_then_won: dict[str, Counter] = defaultdict(Counter)
    entered = export.date_entered()
    for row in deals.rows():
        stage = stage_id(deals.value(row, "pipeline"), deals.value(row, "dealstage"))
        is_closed = as_bool(deals.value(row, "hs_is_closed")) == "true"
        is_won = as_bool(deals.value(row, "hs_is_closed_won")) == "true"
        closed[stage]["won" if is_won else "lost" if is_closed else "open"] += 1
        if deals.value(row, "hs_deal_stage_probability"):
            probability[stage][as_fraction(deals.value(row, "hs_deal_stage_probability"))] += 1
        if is_closed:
            for position, label, pipeline in entered:
                if row[position].strip():
                    entered_then_won[stage_id(pipeline, label)][is_won] += 1
    order = [stage_id(pipeline, label) for _, label, pipeline in entered]
    order += sorted(stage for stage in closed if stage not in order)
    rows = []
    for position, stage in enumerate(order):
        pipeline, _, label = stage.partition("|")
        counts = closed.get(stage, Counter())
        outcome = counts.most_common(1)[0][0] if counts else "open"
        if outcome == "open":
            prob = (
                probability[stage].most_common(1)[0][0]
                if probability[stage]
                else _win_share(entered_then_won[stage])
            )
            if prob is None:
                raise ExportFileError(
                    f"{deals.path.name}: the stage {label} ({pipeline}) has no Deal probability and no closed deal "
                    "entered it: export deals with the Deal probability property, or add pipelines.csv with the "
                    "columns Pipeline, Stage, Probability, Is closed"
                )
        else:
            prob = "1" if outcome == "won" else "0"
        rows.append(
            {
                "id": stage,
                "pipeline_id": pipeline,
                "pipeline_label": pipeline,
                "label": label,
                "displayorder": str(position),
                "probability": prob,
                "isclosed": "false" if outcome == "open" else "true",
                "archived": "false",
                "updatedat": updated,
            }
        )
    return rows


def history_rows(export: HubSpotExport) -> Iterator[dict[str, str]]:
    deals = export.deals
    entered = export.date_entered()
    if not entered:
        return
    for row in deals.rows():
        deal = deals.value(row, "id")
        versions = [
            ("dealstage", stage_id(pipeline, label), row[position].strip())
            for position, label, pipeline in entered
            if row[position].strip()
        ]
        if not versions:
            continue
        first = _first_moment(deals.value(row, "createdate"), versions)
        for prop in _HISTORY_OF_CURRENT:
            value = deals.value(row, prop)
            if value and _readable(prop, value):
                versions.append((prop, value, first))
        for prop, value, stamp in versions:
            yield {
                "id": f"{deal}|{prop}|{stamp}",
                "deal_id": deal,
                "property": prop,
                "value": value,
                "sourcetype": "EXPORT",
                "timestamp": stamp,
                # A later export of a changed deal sends all its versions again: the current amount's version
                # keeps its old timestamp but carries the new value.
                DEAL_MODIFIED: deals.value(row, "hs_lastmodifieddate"),
            }


def _first_moment(created: str, versions: list[tuple[str, str, str]]) -> str:
    """The deal's first history moment, made to hold a stage: its creation, with the earliest stage it entered
    moved there when it was entered later (the export rounds both to its own precision), so no history row
    lacks a stage. Without a readable creation date, the earliest stage's."""
    earliest = min(
        range(len(versions)), key=lambda i: parse_stamp(versions[i][2]) or datetime.max.replace(tzinfo=UTC)
    )
    created_at, entered_at = parse_stamp(created), parse_stamp(versions[earliest][2])
    if created_at is None or entered_at is None:
        return versions[earliest][2]
    if created_at < entered_at:
        prop, value, _ = versions[earliest]
        versions[earliest] = (prop, value, created)
        return created
    return versions[earliest][2]


def deal_contact_rows(export: HubSpotExport) -> Iterator[dict[str, str]]:
    deals = export.deals
    for row in deals.rows():
        deal = deals.value(row, "id")
        for contact in deals.value(row, "associated_contact_ids").split(";"):
            if contact.strip():
                yield {
                    "id": f"{deal}-{contact.strip()}",
                    "deal_id": deal,
                    "contact_id": contact.strip(),
                    "labels": "",
                    "deal_lastmodifieddate": deals.value(row, "hs_lastmodifieddate"),
                }


def forecast_category(label: str) -> str:
    """A forecast category's label ("Best case") as its internal value (BEST_CASE); "Omit" and
    "Not forecasted" as OMIT."""
    upper = label.strip().upper().replace(" ", "_")
    return "OMIT" if upper in {"OMITTED", "NOT_FORECASTED"} else upper


def deal_type(label: str) -> str:
    """A deal type's label ("New Business") as its internal value (newbusiness)."""
    return label.strip().lower().replace(" ", "")


def _readable(prop: str, value: str) -> bool:
    """History values are text in raw_hubspot and cast in staging: one that would not cast stays out."""
    if prop == "closedate":
        return parse_stamp(value) is not None
    if prop == "amount":
        try:
            float(value)
        except ValueError:
            return False
    return True


def _win_share(outcomes: Counter) -> str | None:
    total = outcomes[True] + outcomes[False]
    return None if total == 0 else str(round(outcomes[True] / total, 4))


def _latest_modified(export_file: HubSpotExportFile) -> str:
    latest: dict[str, str] = {}
    for row in export_file.rows():
        _keep_latest(latest, "", export_file.value(row, "hs_lastmodifieddate"))
    return latest.get("", "")


def _keep_earliest(kept: dict[str, str], key: str, text: str) -> None:
    _keep(kept, key, text, lambda new, old: new < old)


def _keep_latest(kept: dict[str, str], key: str, text: str) -> None:
    _keep(kept, key, text, lambda new, old: new > old)


def _keep(kept: dict[str, str], key: str, text: str, better) -> None:
    stamp = parse_stamp(text)
    if stamp is None:
        return
    old = parse_stamp(kept[key]) if key in kept else None
    if old is None or better(stamp, old):
        kept[key] = text
