import pandas as pd

from actions.owners import OwnerRouting, route_to_active_owners

REPS = pd.DataFrame(
    {
        "user_id": ["rep-active", "rep-left", "rep-left-alone", "mgr"],
        "rep_name": ["Ada Active", "Lee Left", "Sam Alone", "Max Manager"],
        "timezone": ["Europe/Paris", "UTC", "UTC", "America/New_York"],
        "manager_id": ["mgr", "mgr", None, None],
        "is_active": [True, False, False, True],
    }
)


def _deals(*owners):
    return pd.DataFrame(
        {
            "opportunity_id": [f"opp-{owner}" for owner in owners],
            "owner_id": list(owners),
            "owner_name": ["(the deal's owner)"] * len(owners),
            "owner_timezone": ["UTC"] * len(owners),
        }
    )


def test_advice_goes_to_an_active_owner_unchanged():
    routed, routing = route_to_active_owners(_deals("rep-active"), REPS)

    assert routed["owner_id"].tolist() == ["rep-active"]
    assert routing == OwnerRouting(rerouted=0, held=0)


def test_a_deal_of_an_inactive_owner_goes_to_the_active_manager_in_the_managers_name():
    routed, routing = route_to_active_owners(_deals("rep-left"), REPS)

    assert routed[["owner_id", "owner_name", "owner_timezone"]].values.tolist() == [
        ["mgr", "Max Manager", "America/New_York"]
    ]
    assert routing == OwnerRouting(rerouted=1, held=0)


def test_a_deal_whose_owner_is_not_a_user_or_has_no_active_manager_is_held():
    # the case: an owner id missing from users got a task owned by that id
    routed, routing = route_to_active_owners(
        _deals("no-such-user", "rep-left-alone", None, "rep-active"), REPS
    )

    assert routed["opportunity_id"].tolist() == ["opp-rep-active"]
    assert routing == OwnerRouting(rerouted=0, held=3)
