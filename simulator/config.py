"""What a demo CRM looks like: stages, teams, volumes, amounts and defect rates, per preset.

Stage names live only here. The generator reads stage semantics from `sort_order`,
`is_closed` and `is_won`, so renaming a stage (or adding an open one) is a config edit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from simulator.latent import LatentParams

SEGMENTS = ("SMB", "MM", "ENT")


@dataclass(frozen=True)
class StageConfig:
    name: str
    sort_order: int
    is_closed: bool
    is_won: bool
    default_probability: float  # percent, as in Salesforce
    forecast_category: str


DEFAULT_STAGES = (
    StageConfig("Prospecting", 1, False, False, 10, "Pipeline"),
    StageConfig("Qualification", 2, False, False, 20, "Pipeline"),
    StageConfig("Discovery", 3, False, False, 30, "Pipeline"),
    StageConfig("Proposal", 4, False, False, 60, "Best Case"),
    StageConfig("Negotiation", 5, False, False, 80, "Commit"),
    StageConfig("Closed Won", 6, True, True, 100, "Closed"),
    StageConfig("Closed Lost", 7, True, False, 0, "Omitted"),
)


@dataclass(frozen=True)
class TeamConfig:
    name: str
    rep_segments: tuple[str, ...]
    """One entry per Account Executive: the segment that rep sells to. Each team has one Sales Manager."""


@dataclass(frozen=True)
class DemoConfig:
    name: str
    teams: tuple[TeamConfig, ...]
    months_of_history: int
    deals_per_rep_month: dict[str, float]
    accounts_per_rep: dict[str, int]
    amount_median: dict[str, float] = field(
        # SMB ~5-20k, MM ~20-80k, ENT ~80-400k: medians with a lognormal spread of amount_sigma.
        default_factory=lambda: {"SMB": 10_000.0, "MM": 40_000.0, "ENT": 170_000.0}
    )
    amount_sigma: float = 0.35
    first_close_days: dict[str, int] = field(
        # The close date a rep types on day one, about the median won cycle (+-40%): quick deals close
        # before it, the rest get pushed, so about half of the won deals were pushed at least once.
        default_factory=lambda: {"SMB": 60, "MM": 120, "ENT": 190}
    )
    stages: tuple[StageConfig, ...] = DEFAULT_STAGES
    latent: LatentParams = field(default_factory=LatentParams)
    missing_amount_rate: float = 0.02
    lead_source_noise_rate: float = 0.04
    duplicate_contact_rate: float = 0.03
    backdated_close_rate: float = 0.05  # closes recorded with a close date 1-5 days before the edit
    missing_owner_rate: float = 0.01  # opportunities imported without an owner (owner_id null)
    seller_domain: str = "momentum-demo.example"
    # 1 = calendar quarters; 2 = the fiscal year runs February-January (crm.organization carries it,
    # as Salesforce's Organization.FiscalYearStartMonth does).
    fiscal_year_start_month: int = 1
    # Share of open Momentum tasks (TMVAs) a simulated rep completes on a business day (simulator.advance).
    tmva_completion_rate: float = 0.4

    def __post_init__(self) -> None:
        won = [s for s in self.stages if s.is_won]
        lost = [s for s in self.stages if s.is_closed and not s.is_won]
        if len(won) != 1 or not lost or len(self.open_stages) < 2:
            raise ValueError("stages need one won stage, at least one lost stage and two open stages")
        if any(s.is_won and not s.is_closed for s in self.stages):
            raise ValueError("a won stage must also be closed")
        if not 1 <= self.fiscal_year_start_month <= 12:
            raise ValueError("fiscal_year_start_month must be 1..12")

    @property
    def open_stages(self) -> tuple[StageConfig, ...]:
        return tuple(sorted((s for s in self.stages if not s.is_closed), key=lambda s: s.sort_order))

    @property
    def won_stage(self) -> StageConfig:
        return next(s for s in self.stages if s.is_won)

    @property
    def lost_stage(self) -> StageConfig:
        """The first lost stage by sort order: where the simulator sends lost deals."""
        return min((s for s in self.stages if s.is_closed and not s.is_won), key=lambda s: s.sort_order)

    @property
    def open_forecast_categories(self) -> tuple[str, ...]:
        """Forecast categories of open stages, weakest first (the order reps move a deal up or down)."""
        return tuple(dict.fromkeys(s.forecast_category for s in self.open_stages))


PRESETS: dict[str, DemoConfig] = {
    # Tests: 4 reps, about 80 deals over half a year; builds in well under a second.
    "tiny": DemoConfig(
        name="tiny",
        teams=(TeamConfig("Commercial", ("SMB", "SMB", "MM", "ENT")),),
        months_of_history=6,
        deals_per_rep_month={"SMB": 4.5, "MM": 3.0, "ENT": 1.6},
        accounts_per_rep={"SMB": 14, "MM": 10, "ENT": 6},
    ),
    # Realism tests: 12 reps over two years, about 2,700 deals; builds in a few seconds.
    "small": DemoConfig(
        name="small",
        teams=(
            TeamConfig("Commercial", ("SMB",) * 3 + ("MM",) * 3),
            TeamConfig("Enterprise", ("MM",) * 2 + ("ENT",) * 4),
        ),
        months_of_history=24,
        deals_per_rep_month={"SMB": 15.0, "MM": 10.0, "ENT": 5.5},
        accounts_per_rep={"SMB": 90, "MM": 45, "ENT": 25},
    ),
}


def _scaled_teams(n_teams: int) -> tuple[TeamConfig, ...]:
    """`n_teams` teams of 10 AEs (4 SMB, 3 MM, 3 ENT) and one manager each."""
    mix = ("SMB",) * 4 + ("MM",) * 3 + ("ENT",) * 3
    return tuple(TeamConfig(f"Team {i + 1:03d}", mix) for i in range(n_teams))


# Volume presets: 10-AE teams (4 SMB, 3 MM, 3 ENT) over 3 years. demo: 5 teams, ~20k opportunities and
# ~360k activities; large: 50 teams, ~283k opportunities, ~5.2M activities; xl: 175 teams, ~988k
# opportunities, ~18M activities (measured, seed 7).
_DEMO_RATES = {"SMB": 15.5, "MM": 10.5, "ENT": 5.6}  # ~11 deals per rep-month on this mix
_BUSY_RATES = {"SMB": 22.0, "MM": 15.0, "ENT": 8.0}  # ~16 deals per rep-month
_BUSY_ACCOUNTS = {"SMB": 120, "MM": 60, "ENT": 30}
PRESETS["demo"] = DemoConfig(
    name="demo",
    teams=_scaled_teams(5),
    months_of_history=36,
    deals_per_rep_month=_DEMO_RATES,
    accounts_per_rep=_BUSY_ACCOUNTS,
)
PRESETS["large"] = DemoConfig(
    name="large",
    teams=_scaled_teams(50),
    months_of_history=36,
    deals_per_rep_month=_BUSY_RATES,
    accounts_per_rep=_BUSY_ACCOUNTS,
)
PRESETS["xl"] = DemoConfig(
    name="xl",
    teams=_scaled_teams(175),
    months_of_history=36,
    deals_per_rep_month=_BUSY_RATES,
    accounts_per_rep=_BUSY_ACCOUNTS,
)
