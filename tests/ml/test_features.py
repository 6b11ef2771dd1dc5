import numpy as np
import pandas as pd
import pytest

from ml.data.features import CATEGORICAL_FEATURES, FEATURE_COLUMNS, learned_categories, model_matrix


def _deal(**overrides) -> dict:
    deal = {column: 1.0 for column in FEATURE_COLUMNS}
    deal["segment"] = "MM"
    return deal | overrides


def test_model_matrix_reads_bools_ints_decimals_and_nulls_the_same_way():
    # GIVEN the same facts as the warehouse (bools, None) and as a counterfactual frame (0/1 ints) hold them
    from decimal import Decimal

    as_read = pd.DataFrame([_deal(has_champion=True, is_close_date_past=None, amount=Decimal("1200.50"))])
    as_edited = pd.DataFrame([_deal(has_champion=1, is_close_date_past=np.nan, amount=1200.5)])
    # WHEN both become model matrices
    # THEN they are identical, with floats for every non-categorical column
    pd.testing.assert_frame_equal(model_matrix(as_read), model_matrix(as_edited))
    matrix = model_matrix(as_read)
    assert matrix["has_champion"].iloc[0] == 1.0
    assert np.isnan(matrix["is_close_date_past"].iloc[0])
    assert all(matrix[c].dtype == "float64" for c in FEATURE_COLUMNS if c not in CATEGORICAL_FEATURES)


def test_segment_levels_are_fixed_so_an_unknown_segment_becomes_missing():
    matrix = model_matrix(
        pd.DataFrame([_deal(segment="ENT"), _deal(segment="Public Sector"), _deal(segment=None)])
    )
    assert list(matrix["segment"].cat.categories) == ["SMB", "MM", "ENT"]
    assert matrix["segment"].cat.codes.tolist() == [2, -1, -1]


def test_model_matrix_keeps_only_contract_columns_and_names_missing_ones():
    frame = pd.DataFrame([_deal(opportunity_name="Acme renewal")])
    assert list(model_matrix(frame).columns) == list(FEATURE_COLUMNS)
    with pytest.raises(KeyError, match="has_champion"):
        model_matrix(frame.drop(columns=["has_champion"]))


def test_a_model_learns_its_categorical_levels_and_reads_them_whatever_the_case_or_spacing():
    frame = pd.DataFrame(
        [
            _deal(lead_source=source)
            for source in ["Inbound", "inbound ", "INBOUND", "Webinar", "Webinar", None]
        ]
        + [_deal(lead_source="Rare")]
    )
    frame = pd.concat([frame] + [pd.DataFrame([_deal(lead_source="Webinar")])] * 400, ignore_index=True)
    levels = learned_categories(frame)["lead_source"]
    # "Rare" holds under 0.5% of the rows: no level of its own
    assert levels == ("Webinar", "Inbound")
    matrix = model_matrix(frame.head(7), categories=learned_categories(frame))
    assert matrix["lead_source"].astype(object).tolist()[:4] == ["Inbound", "Inbound", "Inbound", "Webinar"]
    assert matrix["lead_source"].isna().tolist()[5:7] == [True, True]


def test_categoricals_read_as_pandas_categories_give_the_same_matrix_as_strings():
    # The backtest reads its millions of rows with categoricals as pandas categories (ml/backtest/history.py)
    segments = ["ENT", " smb", None, "Public Sector", "MM", "ENT"]
    as_strings = pd.DataFrame([_deal(segment=segment) for segment in segments])
    as_categories = as_strings.assign(segment=as_strings["segment"].astype("category"))
    pd.testing.assert_frame_equal(model_matrix(as_categories), model_matrix(as_strings))
    assert model_matrix(as_categories)["segment"].cat.codes.tolist() == [2, 0, -1, -1, 1, 2]
    only_nulls = as_strings.assign(segment=pd.Series([None] * len(segments)).astype("category"))
    assert model_matrix(only_nulls)["segment"].isna().all()
