"""The consolidation's per-unit tables go to the store as they are made (pipeline/staging.py)
and the outputs people read summarise them there (pipeline/summaries.py)."""
import shutil

import pandas as pd
import pytest

from pipeline import summaries
from pipeline.gaps import problem_themes
from pipeline.staging import Stager
from pipeline.store import Store
from test_subtree_checks import stored  # noqa: F401 (a fixture)


def _gap_frame(units, start):
    return pd.DataFrame({"unit_id": units, "gap_type": "missing_metric",
                         "item": [f"i{start + k}" for k in range(len(units))],
                         "detail": "d", "score": None})


def test_rows_staged_while_the_store_streams_a_query_are_copied_in_order(tmp_path):
    from pipeline.subtrees import read_by_chunk

    with Store(tmp_path / "s.duckdb") as st:
        st.con.execute("CREATE TEMP TABLE t AS SELECT 'u' || (i % 7) AS unit_id, i "
                       "FROM range(20000) r(i)")
        assignment = pd.DataFrame({"unit_id": [f"u{k}" for k in range(7)],
                                   "chunk": [k % 3 for k in range(7)]})
        stager, seen = Stager(st), 0
        for chunk, frame in read_by_chunk(
                st, "SELECT t.*, c.chunk AS _chunk FROM t JOIN chunk_of c USING (unit_id) "
                "ORDER BY c.chunk, t.i", assignment, rows=1000):
            seen += len(frame)  # the stream goes on while rows are staged beside it
            units = sorted(set(frame["unit_id"]), reverse=True)
            stager.add("gaps", _gap_frame(units, 10 * chunk))
        stager.add("gaps", _gap_frame([], 0))
        assert seen == 20000 and stager.rows["gaps"] == 7
        st.replace_derived({}, stager, {"gaps": "unit_id, _seq"})
        gaps = st.df("SELECT * FROM gaps ORDER BY rowid")
        tables = set(st.df("SELECT table_name FROM duckdb_tables()")["table_name"])
    assert gaps["unit_id"].tolist() == sorted(f"u{k}" for k in range(7))
    assert "staged_gaps" not in tables and stager.rows == {}


def test_staged_cross_flags_are_sorted_numbered_and_given_their_sentences(tmp_path):
    """Cross-document flags staged in several parts reach ``flags`` as one frame of them
    all would: sorted by document, type and start (NULLs first, ties as staged), numbered
    from 0, origin 'cross'; a flag of figures without a sentence gets that of the first
    quantity (by q_index) with its span, a copied passage keeps none; the document's own
    flags stay."""
    from pipeline import crossflags as cf
    from pipeline import details

    def flag(doc, type_, start, sentence=None, msg=""):
        return {"doc_id": doc, "type": type_, "severity": "warning", "message": msg,
                "start": start, "end": None if start is None else start + 2,
                "sentence_text": sentence}

    parts = [[flag("b", "implausible_jump", 5, msg="1"), flag("a", "round_numbers", None),
              flag("a", "cross_document_conflict", 9, msg="tie 1")],
             [flag("a", "cross_document_conflict", 9, msg="tie 2"),
              flag("a", "cross_document_conflict", 3, "已有句子"),
              flag(None, "implausible_jump", 1), flag("c", "implausible_jump", 4)],
             [flag("b", "copied_text", 5), flag("a", "cross_document_conflict", None)]]
    quantities = pd.DataFrame({"doc_id": ["a", "a", "b", "a", "b"], "q_index": [1, 0, 0, 2, 1],
                               "start": [9, 9, 5, 3, 5], "end": [11, 11, 7, 5, 7],
                               "sentence_text": ["第二句", "第一句", "乙句", "丙句", "乙二"]})
    with Store(tmp_path / "s.duckdb") as st:
        st._insert("quantities", quantities)
        st._insert("flags", pd.DataFrame({"doc_id": ["a"], "idx": [0], "origin": ["document"],
                                          "type": ["redacted"]}))
        stager = Stager(st)
        stager.add("flags", cf.as_frame([]))
        for rows in parts:
            stager.add("flags", cf.as_frame(rows))
        st.replace_derived({}, stager)
        got = st.df("SELECT * FROM flags WHERE origin = 'cross' ORDER BY rowid")
        own = st.df("SELECT * FROM flags WHERE origin <> 'cross'")
        want = cf.as_frame([r for rows in parts for r in rows])
        missing = want["sentence_text"].isna() & (want["type"] != "copied_text")
        want.loc[missing, "sentence_text"] = details.sentences(st, want.loc[missing])
    want = want.sort_values(["doc_id", "type", "start"], na_position="first", kind="stable")
    assert got["idx"].tolist() == list(range(9)) and set(got["origin"]) == {"cross"}
    for c in ("doc_id", "type", "start", "message", "sentence_text"):
        assert got[c].astype(object).where(got[c].notna(), None).tolist() == \
            want[c].astype(object).where(want[c].notna(), None).tolist(), c
    assert got.loc[got["message"] == "tie 1", "sentence_text"].tolist() == ["第一句"]
    assert got.loc[got["type"] == "copied_text", "sentence_text"].isna().all()
    assert len(own) == 1


def test_an_abandoned_stage_leaves_the_derived_tables_alone(tmp_path):
    with Store(tmp_path / "s.duckdb") as st:
        st.replace_derived({"gaps": _gap_frame(["a", "b"], 0)})
        stager = Stager(st)
        stager.add("gaps", _gap_frame(["c"], 0))
        stager.close()
        assert st.df("SELECT unit_id FROM gaps")["unit_id"].tolist() == ["a", "b"]
        assert not len(st.df("SELECT * FROM duckdb_tables() WHERE table_name LIKE 'staged%'"))


def test_problem_themes_count_units_and_name_them(tmp_path):
    problems = pd.DataFrame({"theme": ["经费不足", None, "经费不足", "经费不足", None, "队伍老化"],
                             "unit_id": ["b", "a", "a", "b", None, "c"]})
    units = pd.DataFrame({"unit_id": ["a", "b", "c"], "unit_name": ["甲县", None, "丙县"]})
    out = problem_themes(problems, units)
    assert out.to_dict("records") == [
        {"theme": "经费不足", "n_units": 2, "n_mentions": 3, "units": "甲县、b"},
        {"theme": "other", "n_units": 1, "n_mentions": 2, "units": "甲县"},
        {"theme": "队伍老化", "n_units": 1, "n_mentions": 1, "units": "丙县"}]


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True),
                                  check_dtype=False)


def test_the_stored_tables_and_their_summaries_are_those_of_the_whole_tables(
        stored, tmp_path, monkeypatch):  # noqa: F811
    """Aggregates staged a chunk at a time are the whole-corpus roll-up; the summaries read
    from the store are those of the whole tables held in memory, also when the
    consolidation holds only their first rows."""
    from pipeline import aggregate, consolidation, details, subtrees

    monkeypatch.setattr(subtrees, "CHUNK_ROWS", 60)
    shutil.copy(stored, tmp_path / "a.duckdb")
    with Store(tmp_path / "a.duckdb") as st:
        whole = consolidation.build(st)
        q = st.df(f"SELECT * FROM ({details.QUANTITIES}) WHERE counted")
        _same(whole.aggregates, aggregate.aggregates(q, whole.units))
        assert not len(st.df("SELECT * FROM duckdb_tables() WHERE table_name LIKE 'staged%'"))
    held = summaries.of_frames(whole.aggregates, whole.gaps, whole.problems)
    for name in summaries.SQL:
        _same(getattr(whole.summary, name), getattr(held, name))
    assert len(held.unit_rows) > 20 and len(held.gap_types) >= 3 and len(held.quotes) > 3

    monkeypatch.setattr(details, "DETAIL_ROWS", 5)
    shutil.copy(stored, tmp_path / "b.duckdb")
    with Store(tmp_path / "b.duckdb") as st:
        capped = consolidation.build(st)
    for name in ("aggregates", "gaps", "problems"):
        assert len(getattr(capped, name)) == 5
        assert capped.counts()[name] == len(getattr(whole, name)) > 5
        assert capped.shown(name)
    for name in summaries.SQL:
        _same(getattr(capped.summary, name), getattr(held, name))


@pytest.mark.parametrize("limit", [1, 3])
def test_summaries_bound_each_group(limit, monkeypatch):
    """Each summary holds at most its limit per category, gap type or theme."""
    gaps = pd.DataFrame({"unit_id": [f"u{i % 9}" for i in range(40)],
                         "gap_type": ["missing_metric", "target_unmet"] * 20,
                         "item": [f"item{i % 5}" for i in range(40)], "detail": "d"})
    problems = pd.DataFrame({"unit_id": [f"u{i % 10}" for i in range(30)],
                             "theme": ["经费不足", "队伍老化", None] * 10,
                             "text": [f"问题{i % 4}" for i in range(30)]})
    aggs = pd.DataFrame({"unit_id": [f"u{i}" for i in range(12)], "year": 2023,
                         "category": ["关爱帮扶", "宣传"] * 6, "kind": "people", "scope": "own",
                         "exact_sum": 1.0, "low_sum": 1.0, "high_sum": 1.0, "n_exact": 1,
                         "n_approx": 0, "n_redacted": 0})
    for name in ("UNIT_ROWS", "GAP_LINES", "QUOTES", "THEME_UNITS"):
        monkeypatch.setattr(summaries, name, limit)
    s = summaries.of_frames(aggs, gaps, problems)
    assert s.unit_rows.groupby("category").size().max() == limit
    assert s.gap_rows.groupby("gap_type").size().max() == limit
    assert s.gap_items.groupby("gap_type").size().max() == limit
    assert s.quotes.groupby("theme").size().max() == limit
    assert s.themes["unit_ids"].map(len).max() == limit
    assert s.themes.set_index("theme")["n_units"].to_dict() == {"经费不足": 10, "队伍老化": 10,
                                                                "other": 10}
    assert s.gap_types["n"].tolist() == [20, 20] and s.totals["n_units"].tolist() == [6, 6]


def test_rolling_up_leaves_no_cyclic_garbage():
    """The roll-up's per-unit figures are freed as soon as it returns, not at the next full
    collection (its recursive helper must not keep them in a reference cycle)."""
    import gc

    import numpy as np

    from pipeline.aggregate import _roll

    parents = {"P": None, **{f"C{i}": "P" for i in range(20)},
               **{f"T{i}": f"C{i % 20}" for i in range(200)}}
    own = {u: {(2023, "other", "people"): np.ones(7)} for u in parents if u.startswith("T")}
    gc.collect()
    gc.disable()
    try:
        children, effective = _roll(own, parents)
        assert len(children["P"]) == 1 and children["P"][(2023, "other", "people")][0] == 200
        del children, effective
        assert gc.collect() == 0
    finally:
        gc.enable()
