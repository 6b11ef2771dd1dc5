"""Words the demo CRM is written in: names, titles, picklists and the free-text notes reps type."""

from __future__ import annotations


def _words(line: str) -> tuple[str, ...]:
    return tuple(line.split())


FIRST_NAMES = _words(
    "Olivia Liam Emma Noah Ava Elijah Sophia James Isabella Lucas Mia Mateo Amelia Ethan Harper Levi Evelyn "
    "Aiden Abigail Daniel Emily Henry Ella Jackson Elizabeth Sebastian Sofia Samuel Avery David Scarlett Joseph "
    "Priya Arjun Mei Wei Yuki Kenji Fatima Omar Chloe Hugo Lena Jonas Ines Marco Aisha Kwame Nadia Ravi Sara"
)
LAST_NAMES = _words(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson "
    "Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis "
    "Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall "
    "Patel Shah Kim Chen Muller Rossi Dubois Okafor Larsen Novak Silva Tanaka Kowalski Haddad"
)
COMPANY_FIRST = _words(
    "Blue Harbor Summit Northwind Vertex Granite Silverline Redwood Brightpath Ironclad Cobalt Evergreen "
    "Keystone Lakeshore Meridian Pioneer Quantum Riverbend Starling Tidewater Atlas Beacon Cedar Crescent "
    "Falcon Horizon Juniper Lumen Maple Nimbus Orchid Pinnacle Sterling Trident Union Vanguard Willow Zenith"
)
COMPANY_SECOND = _words(
    "Logistics Analytics Health Capital Foods Robotics Energy Labs Networks Retail Bank Insurance Media "
    "Manufacturing Software Pharma Freight Hotels Learning Motors Systems Payments Biotech"
)
COMPANY_SUFFIX = ("Inc", "LLC", "Group", "Corp", "Co", "Holdings", "")

INDUSTRIES = (
    "Software",
    "Financial Services",
    "Healthcare",
    "Manufacturing",
    "Retail",
    "Logistics",
    "Education",
    "Media",
)
REGION_TIMEZONES = {
    "NA-East": ("America/New_York", "America/Toronto"),
    "NA-Central": ("America/Chicago",),
    "NA-West": ("America/Los_Angeles", "America/Denver"),
    "EMEA": ("Europe/London", "Europe/Berlin", "Europe/Paris"),
    "APAC": ("Asia/Singapore", "Australia/Sydney"),
}
REGION_WEIGHTS = (0.32, 0.18, 0.25, 0.18, 0.07)
REP_TIMEZONES = ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles")

SENIORITIES = ("IC", "Manager", "Director", "VP", "C-Level")
DEPARTMENTS = ("Finance", "IT", "Operations", "Sales", "Marketing", "Engineering", "Procurement")
TITLE_BY_SENIORITY = {
    "IC": ("{dept} Analyst", "Senior {dept} Specialist", "{dept} Associate"),
    "Manager": ("{dept} Manager", "Senior Manager, {dept}"),
    "Director": ("Director of {dept}", "{dept} Director"),
    "VP": ("VP of {dept}", "SVP {dept}"),
    "C-Level": (
        "Chief Financial Officer",
        "Chief Operating Officer",
        "Chief Information Officer",
        "Chief Executive Officer",
        "Chief Revenue Officer",
    ),
}
C_LEVEL_DEPARTMENT = {
    "Chief Financial Officer": "Finance",
    "Chief Operating Officer": "Operations",
    "Chief Information Officer": "IT",
    "Chief Executive Officer": "Executive",
    "Chief Revenue Officer": "Sales",
}

OPPORTUNITY_TYPES = ("New Business", "Expansion", "Renewal")
OPPORTUNITY_TYPE_WEIGHTS = (0.7, 0.2, 0.1)
LEAD_SOURCES = ("Inbound", "Outbound", "Partner", "Referral", "Event")
LEAD_SOURCE_WEIGHTS = (0.35, 0.3, 0.12, 0.1, 0.13)
PRODUCTS = ("Platform", "Analytics add-on", "Team plan", "Enterprise suite", "Seats expansion", "Pilot")
SUPPORTING_ROLES = ("Decision Maker", "Technical Buyer", "Influencer")
LOSS_REASONS_ENGAGED = ("Competitor", "Price", "Timing")
LOSS_REASONS_DISENGAGED = ("No Decision", "Budget", "No Response")

# Free-text notes, by what just happened. Stage-dependent pools are by position in the pipeline
# (early / middle / late third of the open stages), never by stage name.
NOTES_CONNECTED = {
    "early": (
        "Good discovery call, pain is real around manual reporting",
        "Walked through current process; they track it all in spreadsheets",
        "Interested but wants to see a demo first",
        "Asked for case studies in their industry",
        "Confirmed team size and rough timeline",
    ),
    "middle": (
        "Security review requested",
        "Demo landed well with the ops team",
        "Asked about SSO and audit logs",
        "Need to loop in IT before going further",
        "Wants pricing for a phased rollout",
    ),
    "late": (
        "Redlines on the MSA coming this week",
        "Pricing pushback, asked for a multi-year discount",
        "Procurement needs a vendor form",
        "Legal reviewing DPA",
        "Verbal yes, waiting on paperwork",
    ),
}
NOTES_NO_BUYER_LATE = (
    "Wants to run it by the CFO",
    "Budget owner not engaged yet",
    "Needs sign-off from the VP",
)
NOTES_BUYER_GAINED = (
    "Champion looped in the CFO; budget call booked",
    "Met the economic buyer, priorities align",
    "VP confirmed budget is approved for this quarter",
)
NOTES_CHAMPION_GAINED = (
    "Found a champion, she is pushing this internally",
    "Director offered to sponsor the pilot",
)
NOTES_THREAD_GAINED = (
    "Brought the IT lead into the thread",
    "Intro to the finance team",
    "Added procurement contact",
)
NOTES_VOICEMAIL = (
    "Left VM re: next steps",
    "Left voicemail, following up by email",
    "VM - asked for a callback",
)
NOTES_NO_ANSWER = ("No answer", "No answer, will try again tomorrow", "Rang out")
NOTES_EMAIL = (
    "Sent recap and next steps",
    "Sent pricing one-pager",
    "Shared case study",
    "Sent proposal draft",
    "Follow-up on open questions",
)
NOTES_EMAIL_DARK = (
    "Checking in - went quiet after the demo",
    "Bumping this up, any update?",
    "Breakup email: closing the loop for now",
)
NOTES_WON = ("Signed order form received", "Countersigned contract sent, kickoff next week")
NOTES_LOST = (
    "Went with a competitor",
    "Project shelved, no budget this year",
    "Stopped responding; closing out",
)
NEXT_STEPS = {
    "early": ("Book demo with ops team", "Send case studies", "Discovery follow-up call", "Intro to IT lead"),
    "middle": ("Security questionnaire due", "Send proposal", "Technical deep dive", "Pricing call"),
    "late": (
        "MSA redlines back from legal",
        "Procurement vendor form",
        "Exec sign-off meeting",
        "Send order form",
    ),
}
MEETING_TYPES = {"early": ("Meeting", "Demo"), "middle": ("Demo", "Meeting"), "late": ("Meeting", "Onsite")}
MEETING_SUBJECTS = {
    "early": ("Discovery call", "Intro meeting", "Product demo"),
    "middle": ("Technical deep dive", "Security review", "Demo for the wider team"),
    "late": ("Pricing walkthrough", "Exec alignment", "Contract review"),
}


def pipeline_third(stage_index: int, n_open: int) -> str:
    """'early', 'middle' or 'late': where an open stage sits in the pipeline."""
    position = stage_index / max(n_open - 1, 1)
    return "early" if position < 0.34 else "middle" if position < 0.67 else "late"
