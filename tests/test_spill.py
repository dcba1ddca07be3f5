"""A frame spilled to disk comes back the same, and leaves no file behind."""
from __future__ import annotations

import gc

import pandas as pd

from pipeline.spill import Spilled


def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "doc_id": pd.Series(["a", "b", None], dtype="str"),
        "level": pd.Series(["县", None, 3], dtype=object),
        "n": pd.Series([1, None, 3], dtype="Int64"),
        "ok": pd.Series([True, False, None], dtype="boolean"),
        "cat": pd.Categorical(["x", "y", "x"]),
        "v": [0.5, float("nan"), 2.0],
    }, index=[5, 7, 9])


def test_a_spilled_frame_loads_back_equal_and_its_folder_goes(tmp_path):
    df = _frame()
    s = Spilled(df, tmp_path)
    assert [p.name for p in tmp_path.iterdir()][0].startswith(".spill-")
    pd.testing.assert_frame_equal(s.load(), _frame())
    assert list(tmp_path.iterdir()) == []


def test_a_spilled_frame_never_loaded_leaves_nothing_once_collected(tmp_path):
    s = Spilled(_frame(), tmp_path)
    assert len(list(tmp_path.iterdir())) == 1
    del s
    gc.collect()
    assert list(tmp_path.iterdir()) == []
