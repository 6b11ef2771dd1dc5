"""The four filters every page shares (quarter, team, rep, segment), drawn once in the sidebar.

The forecast marts are rolled up per rep, team and company, so the rep and team filters pick which roll-up the
forecast pages read (`forecast_scope`); the segment filter applies to deal-level and win-loss rows only, and
the pages say so where it does not apply.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from dashboard.data import query

ALL = "All"


@dataclass(frozen=True)
class Filters:
    quarter: str | None
    team: str | None
    rep_id: str | None
    rep_name: str | None
    segment: str | None

    def forecast_scope(self) -> tuple[str, str]:
        """(forecast_level, forecast_group) of the roll-up the team and rep filters select."""
        if self.rep_id:
            return "rep", self.rep_id
        if self.team:
            return "team", self.team
        return "company", "company"

    def describe(self) -> str:
        parts = [self.rep_name or (f"team {self.team}" if self.team else "the company")]
        if self.segment:
            parts.append(f"segment {self.segment}")
        return ", ".join(parts)

    def where(self, *, team: str = "team", owner: str = "owner_id", segment: str | None = "segment") -> tuple:
        """A SQL condition and its parameters for tables with team, owner and segment columns."""
        clauses, params = ["true"], []
        for column, value in ((team, self.team), (owner, self.rep_id), (segment, self.segment)):
            if column and value:
                clauses.append(f"{column} = %s")
                params.append(value)
        return " and ".join(clauses), tuple(params)


def sidebar_filters() -> Filters:
    quarters = query(
        "select distinct fiscal_quarter, bool_or(is_current) as is_current from marts.fct_forecast_snapshots"
        " group by fiscal_quarter order by fiscal_quarter desc"
    )
    reps = query(
        "select user_id, rep_name, coalesce(team, '(no team)') as team, segment from marts.dim_reps"
        " where user_id in (select distinct owner_id from marts.fct_forecast_snapshots where owner_id is not null)"
        " order by rep_name"
    )
    with st.sidebar:
        st.header("Filters")
        quarter_options = list(quarters["fiscal_quarter"])
        current = quarters.loc[quarters["is_current"], "fiscal_quarter"]
        quarter = st.selectbox(
            "Quarter",
            quarter_options or [None],
            index=quarter_options.index(current.iloc[0]) if len(current) else 0,
            key="quarter",
        )
        team = st.selectbox("Team", [ALL, *sorted(reps["team"].dropna().unique())], key="team")
        team_reps = reps if team == ALL else reps[reps["team"] == team]
        names = dict(zip(team_reps["rep_name"], team_reps["user_id"], strict=True))
        if st.session_state.get("rep") not in (ALL, *names):
            st.session_state["rep"] = ALL  # a rep of another team: the team filter wins
        rep = st.selectbox("Rep", [ALL, *names], key="rep")
        segments = sorted(s for s in reps["segment"].dropna().unique())
        segment = st.selectbox("Segment", [ALL, *segments], key="segment")
    return Filters(
        quarter=quarter,
        team=None if team == ALL else team,
        rep_id=None if rep == ALL else names[rep],
        rep_name=None if rep == ALL else rep,
        segment=None if segment == ALL else segment,
    )
