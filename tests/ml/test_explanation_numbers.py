import re
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from ml.data.features import CATEGORICAL_FEATURES, FEATURE_COLUMNS
from ml.scoring.explanations import phrase, top_factors

AWKWARD = (1 / 7, 2 / 3, 1234.5678, 1e-9, 0.0, -1 / 7, -1234.5678, 7.0, Decimal("0.142857142857142857"))
# A number with three or more decimals, or written in scientific notation.
TOO_PRECISE = re.compile(r"\d*\.\d{3,}|\d[eE][-+]?\d")
NEGATIVE_ZERO = re.compile(r"-0(?![.\d])")


def _row(value: object) -> dict:
    """A deal whose every numeric feature holds `value` (the phrases also read neighbouring columns)."""
    return {
        column: (CATEGORICAL_FEATURES[column][0] if column in CATEGORICAL_FEATURES else value)
        for column in FEATURE_COLUMNS
    }


@pytest.mark.parametrize("value", AWKWARD, ids=str)
def test_no_sentence_for_any_feature_shows_more_than_two_decimals(value):
    row = _row(value)
    for feature in FEATURE_COLUMNS:
        sentence = phrase(feature, row[feature], row)
        assert not TOO_PRECISE.search(sentence), f"{feature}={value!r}: {sentence!r}"
        assert not NEGATIVE_ZERO.search(sentence) and "nan" not in sentence, (
            f"{feature}={value!r}: {sentence!r}"
        )


def test_top_factors_for_every_feature_show_readable_numbers():
    # GIVEN every feature contributing strongly (half for, half against) on deals with awkward values
    numeric = [column for column in FEATURE_COLUMNS if column not in CATEGORICAL_FEATURES]
    signs = np.where(np.arange(len(FEATURE_COLUMNS)) % 2 == 0, 1.0, -1.0)
    contributions = pd.DataFrame([signs] * len(AWKWARD), columns=list(FEATURE_COLUMNS))
    deals = pd.DataFrame([_row(value) for value in AWKWARD])
    assert set(numeric) <= set(deals.columns)

    # WHEN every factor is listed
    raised, lowered = top_factors(contributions, deals, limit=len(FEATURE_COLUMNS))

    # THEN no sentence carries a long decimal
    for sentence in raised + lowered:
        assert sentence and not TOO_PRECISE.search(sentence), sentence


def test_rates_read_as_percentages_and_other_numbers_are_rounded():
    row = {}
    assert phrase("call_connect_rate", 0.14285714285714285, row) == "call connect rate 14%"
    assert phrase("call_connect_rate", Decimal("0.142857142857142857"), row) == "call connect rate 14%"
    assert phrase("stage_default_probability", 2 / 3, row) == "stage default probability 67%"
    assert phrase("touches_per_week", 7 / 3, row) == "touches per week 2.33"
    assert phrase("touches_per_week", 2.0, row) == "touches per week 2"
    assert phrase("rep_avg_activities_30d", 1234.5678, row) == "rep avg activities 30d 1,235"
    assert phrase("calls_total", 12.0, row) == "calls total 12"
    assert phrase("days_left_in_quarter", 20.6, row) == "days left in quarter 21"
    assert phrase("touches_per_week", -1e-9, row) == "touches per week 0"
    assert phrase("is_close_date_past", True, row) == "close date past: yes"
    assert phrase("lead_source", "Partner", row) == "lead source Partner"
