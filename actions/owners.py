"""Who receives a deal's advice: its owner when an active CRM user, else the owner's manager, else nobody.

A CRM task owned by an id that is not an active user lands in nobody's list (or the CRM refuses it), and
its script would speak for a rep who is not there. So a deal whose owner left (inactive) goes to that
owner's manager when the manager is active, with the script in the manager's name; a deal whose owner
is unknown to the CRM's users (or inactive with no active manager) is held: no TMVA, counted in the
run summary. The task payload (dbt_project/models/reverse_etl/sync_crm__tasks.sql) checks the same
rule again, so no path writes a task for an inactive owner.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

REPS_RELATION = "marts.dim_reps"
REPS_COLUMNS = "user_id, rep_name, timezone, manager_id, is_active"


@dataclass(frozen=True)
class OwnerRouting:
    rerouted: int = 0  # deals whose advice goes to their owner's manager
    held: int = 0  # deals with no active owner or manager to advise: no TMVA today


def route_to_active_owners(deals: pd.DataFrame, reps: pd.DataFrame) -> tuple[pd.DataFrame, OwnerRouting]:
    """The deals whose advice has an active recipient, owner_id (and owner_name, owner_timezone) set to it."""
    active = reps[reps["is_active"].fillna(False).astype(bool)].set_index("user_id")
    managers = reps.set_index("user_id")["manager_id"]
    owner_is_active = deals["owner_id"].isin(active.index)
    manager_id = deals["owner_id"].map(managers)
    goes_to_manager = ~owner_is_active & manager_id.isin(active.index)

    routed = deals[owner_is_active | goes_to_manager].copy()
    to_manager = goes_to_manager[routed.index]
    new_owner = manager_id[routed.index][to_manager]
    routed.loc[to_manager, "owner_id"] = new_owner
    if "owner_name" in routed:
        routed.loc[to_manager, "owner_name"] = new_owner.map(active["rep_name"])
    if "owner_timezone" in routed:
        routed.loc[to_manager, "owner_timezone"] = new_owner.map(active["timezone"])
    return routed, OwnerRouting(rerouted=int(goes_to_manager.sum()), held=int(len(deals) - len(routed)))
