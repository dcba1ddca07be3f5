"""The per-mention tables (quantities, flags) are never held whole: the outputs people read
show the first ``DETAIL_ROWS`` and say so, the Parquet dataset streams every row from the
store, and totals come from the store (run on the fixture of test_run.py)."""
from __future__ import annotations

import json
import zipfile

import pandas as pd
import pytest
from docx import Document as Docx
from openpyxl import load_workbook

from pipeline import details
from pipeline.cli import main as cli
from test_run import run_args, write_fixture


def _run(base, name, monkeypatch=None, rows=None):
    if monkeypatch is not None:
        monkeypatch.setattr(details, "DETAIL_ROWS", rows)
    out = base / name
    assert cli(run_args(base / "reports", base / "units.csv", base / "plan.txt", out)) == 0
    return out


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    base = tmp_path_factory.mktemp("details")
    rep, _, _ = write_fixture(base)
    shared = ("坚持以习近平新时代中国特色社会主义思想为指导，深入学习贯彻党的二十大精神，紧紧围绕"
              "立德树人根本任务，充分发挥广大老干部、老战士、老专家、老教师、老模范的政治优势、"
              "经验优势和威望优势，团结带领广大五老同志积极投身关心下一代工作，为促进青少年健康"
              "成长作出了积极贡献。")  # in two reports: a cross-document flag (copied text)
    (rep / "丁县.txt").write_text(  # and flags of its own: hidden numbers
        f"丁县关工委2023年工作总结\n\n一、关爱帮扶\n{shared}\n全年资助困难学生xx名，发放助学金xx万元，"
        "慰问留守儿童**名。\n\n丁县关工委\n2023年12月1日\n", encoding="utf-8")
    (rep / "乙县补充.txt").write_text(
        f"乙县关工委2023年五老工作情况\n\n{shared}\n组织五老报告团宣讲12场。\n\n乙县关工委\n"
        "2023年12月2日\n", encoding="utf-8")
    return base


@pytest.fixture(scope="module")
def full(base):
    """The fixture's run with no limit on the detail tables."""
    return _run(base, "full")


def _data(out, name):
    return pd.read_parquet(out / "data" / f"{name}.parquet").drop(columns=["run_id"],
                                                                    errors="ignore")


def _sheet(out, name):
    wb = load_workbook(out / "consolidated.xlsx", read_only=True)
    return [r for r in wb[name].iter_rows(values_only=True)]


def test_capped_outputs_keep_every_row_in_parquet_and_say_so(base, full, monkeypatch):
    capped = _run(base, "capped", monkeypatch, 2)
    every = {name: _data(full, name) for name in
             ("quantities", "flags", "aggregates", "gaps", "problems")}
    for name, df in every.items():
        assert len(df) > 2, name
        pd.testing.assert_frame_equal(df, _data(capped, name))
    q_all, f_all = every["quantities"], every["flags"]
    assert (f_all["origin"] == "cross").any()

    wb = load_workbook(capped / "consolidated.xlsx", read_only=True)
    sheets = {"数量明细": "quantities", "层级汇总": "aggregates", "缺口清单": "gaps",
              "存在问题": "problems", "审计提示": "flags"}
    notes = {r[0]: r[1] for r in wb["说明"].iter_rows(min_row=2, values_only=True)}
    assert set(notes) == set(sheets)
    for sheet, name in sheets.items():
        assert wb[sheet].max_row == 1 + 2, sheet  # header + the first rows
        assert f"共{len(every[name])}条" in notes[sheet]
    assert "说明" not in load_workbook(full / "consolidated.xlsx", read_only=True).sheetnames
    # the category totals are over every aggregate row, not the rows held
    assert _sheet(capped, "分类汇总") == _sheet(full, "分类汇总")
    assert len(_sheet(full, "分类汇总")) > 3

    html = (capped / "report.html").read_text(encoding="utf-8")
    data = json.loads(html.split('<script type="application/json" id="data">')[1]
                      .split("</script>")[0])
    assert data["counts"] == {"quantities": len(q_all), "flags": len(f_all)}
    assert data["quantities"]["n"] == 2 and data["flags"]["n"] == 2
    assert data["gaps"]["n"] == 2 and data["aggregates"]["n"] == 2
    assert f"共{len(q_all)}条" in data["notes"][0]
    full_html = (full / "report.html").read_text(encoding="utf-8")
    full_data = json.loads(full_html.split('<script type="application/json" id="data">')[1]
                           .split("</script>")[0])
    assert data["totals"] == full_data["totals"]

    # the Word report's totals, tables of units, problems and gap lists are the same
    text = "\n".join(p.text for p in Docx(capped / "consolidated-report.docx").paragraphs)
    full_text = "\n".join(p.text for p in Docx(full / "consolidated-report.docx").paragraphs)
    assert text == full_text
    assert f"共提取数字{len(q_all)}处" in text
    approx = int(q_all["approx"].sum())
    assert f"其中约数{approx}处" in text
    tables = lambda out: [[c.text for c in row.cells] for t in Docx(  # noqa: E731
        out / "consolidated-report.docx").tables for row in t.rows]
    assert tables(capped) == tables(full) and len(tables(full)) > 3


def test_store_counts_match_the_rows(full):
    out = full
    q = _data(out, "quantities")
    with zipfile.ZipFile(out / "consolidated.xlsx") as z:
        assert any(n.startswith("xl/worksheets/") for n in z.namelist())
    from pipeline.store import Store
    from pipeline import consolidation

    with Store(out / "ngreport.duckdb") as store:
        cons = consolidation.build(store)
        counts = cons.counts()
        assert counts["quantities"] == len(q) == len(cons.quantities)
        assert counts["redacted"] == int(q["redacted"].sum())
        assert counts["targets"] == int(q["role"].isin(["target", "plan"]).sum())
        assert counts["flags"] == len(cons.flags)
        assert counts["flag_types"] == dict(cons.flags["type"].value_counts())


@pytest.fixture
def store(full, tmp_path):
    """An open Store on a copy of the fixture's full run."""
    import shutil

    from pipeline.store import Store

    shutil.copy(full / "ngreport.duckdb", tmp_path / "copy.duckdb")
    with Store(tmp_path / "copy.duckdb") as st:
        yield st


@pytest.mark.parametrize("batch,per_pass", [(1 << 20, 10_000_000), (7, 1_000)])
def test_stored_fingerprints_find_what_the_texts_do(store, batch, per_pass, monkeypatch):
    """Also when DuckDB hands the shared fingerprints over a few rows at a time, and reads
    them in several passes over ranges of hashes."""
    from pipeline import store_reads
    from pipeline.copied import copied_passages
    from pipeline.store_reads import shared_fingerprints

    monkeypatch.setattr(store_reads, "SHARED_BATCH_ROWS", batch)
    monkeypatch.setattr(store_reads, "FINGERPRINTS_PER_PASS", per_pass)
    n = store.con.execute("SELECT sum(len(hashes)) FROM fingerprints").fetchall()[0][0]
    assert n > 3 * per_pass or per_pass > n  # several passes, or one

    docs = store.df("SELECT doc_id, reporting_unit, text FROM documents ORDER BY doc_id")
    texts = dict(zip(docs["doc_id"], docs["text"]))
    ids = list(docs["doc_id"])
    in_memory = copied_passages(docs, texts)
    assert in_memory and {p["n_chars"] >= 100 for p in in_memory} == {True}
    assert copied_passages(docs, texts, shared=shared_fingerprints(store, ids)) == in_memory
    store.con.execute("DELETE FROM fingerprints")  # a store from before the table
    assert store.backfill_fingerprints() == len(ids)
    assert copied_passages(docs, texts, shared=shared_fingerprints(store, ids)) == in_memory


def test_report_clauses_read_twice_or_kept_are_the_same(store):
    from pipeline.store_reads import report_clause_chunks

    docs = store.df("SELECT doc_id, unit_id FROM doc_units ORDER BY doc_id")
    passes = []
    for keep in (0, 10**9):
        chunks = report_clause_chunks(store, docs, chunk=2, keep_chars=keep)
        passes += [pd.concat(list(chunks()), ignore_index=True) for _ in range(2)]
    assert len(passes[0]) > 5 and set(passes[0]["unit_id"]) >= {"A", "B"}
    for p in passes[1:]:
        pd.testing.assert_frame_equal(passes[0], p)


def test_first_rows_left_in_the_store_are_read_later_the_same(store):
    """build(heads=False) leaves the first rows of the detail and per-unit tables in the
    store (the run reads them once Parquet's sort is done); read_heads gives what build
    reads."""
    from pipeline import consolidation

    names = ("quantities", "flags", "aggregates", "gaps", "problems")
    now = consolidation.build(store)
    later = consolidation.build(store, heads=False)
    assert later.heads is not None
    assert all(len(getattr(later, n)) == 0 for n in names)
    assert later.counts()["gaps"] == len(now.gaps)  # counts need no rows
    later.read_heads()
    assert later.heads is None
    for name in names:
        assert len(getattr(now, name)) > 2, name
        pd.testing.assert_frame_equal(getattr(later, name), getattr(now, name))
    later.read_heads()  # a second call changes nothing
    pd.testing.assert_frame_equal(later.flags, now.flags)


def test_the_first_rows_kept_from_the_stream_are_those_head_reads(store, tmp_path):
    """A detail table's stream keeps head()'s first rows in a file, read back masked the
    same, taken from its batches on the way (the flags' own and cross-document ones sharing
    the limit)."""
    from pipeline import consolidation

    consolidation.build(store)  # cur_meta, and the derived tables
    fn = consolidation.masker({"张三"})
    n_cross = store.con.execute(f"SELECT count(*) FROM ({details._SQL['flags']}) "
                                "WHERE origin = 'cross'").fetchall()[0][0]
    assert 0 < n_cross < details.counts(store)["quantities"]
    for name in details.STREAMED:
        sql = f"SELECT count(*) FROM ({details._SQL[name]})"
        total = store.con.execute(sql).fetchall()[0][0]
        assert total >= 3, name
        for limit in sorted({0, 1, n_cross, n_cross + 2, total - 1, total + 5}):
            kept = tmp_path / f"{name}-{limit}.arrow"
            streamed = list(details.detail_tables(store, name, fn, rows=2, keep=kept,
                                                  limit=limit))
            assert sum(t.num_rows for t in streamed) == total
            want = consolidation.mask_frame(details.head(store, name, limit), fn)
            assert len(want) == min(limit, total), (name, limit)
            pd.testing.assert_frame_equal(details.read_kept(kept, fn), want)


def test_writing_the_parquet_dataset_keeps_the_first_rows_for_the_other_outputs(
        store, tmp_path, monkeypatch):
    """Once the Parquet dataset is written from a consolidation built with heads=False, it
    has the first rows build would read, kept in files beside the store on the way, not
    read again."""
    from pipeline import consolidation, export

    names = ("quantities", "flags", "aggregates", "gaps", "problems")
    now = consolidation.build(store)
    later = consolidation.build(store, heads=False)
    monkeypatch.setattr(details, "head", lambda *a: pytest.fail("read again"))
    export.write_parquet(later, tmp_path / "data")
    spool = list(store.path.parent.glob(".heads-*"))
    assert [sorted(p.name for p in d.iterdir()) for d in spool] == [
        sorted(f"{n}.arrow" for n in names)]
    later.read_heads()  # from those files, which are then gone
    assert later.heads is None and not spool[0].exists()
    for name in names:
        assert len(getattr(now, name)) > 2, name
        pd.testing.assert_frame_equal(getattr(later, name), getattr(now, name))


def test_detail_tables_stream_every_row_in_order_on_one_thread_then_restore_it(store):
    """The streamed detail tables are sorted by DuckDB on one thread (with two, the sort of
    100,000 reports' quantities ran out of the store's memory cap); the setting comes back."""
    from pipeline import consolidation, details

    cons = consolidation.build(store, heads=False)
    setting = "SELECT current_setting('threads')"
    before = store.con.execute(setting).fetchall()[0][0]
    stream = cons.detail("quantities")
    first = next(stream)
    assert store.con.cursor().execute(setting).fetchall()[0][0] == 1  # (a global setting)
    rest = list(stream)
    assert store.con.execute(setting).fetchall()[0][0] == before
    got = pd.concat([t.to_pandas() for t in [first, *rest]], ignore_index=True)
    assert len(got) == details.counts(store)["quantities"] > 0
    keys = list(zip(got["doc_id"], got["q_index"]))
    assert keys == sorted(keys)


def test_a_parquet_stream_that_fails_leaves_no_file(tmp_path):
    """A detail table whose stream fails part-way (DuckDB out of memory, say) is reported
    and leaves no file: a valid Parquet file of its first rows would pass for the table."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from pipeline.export import _write_stream

    def tables(fail: bool):
        yield pa.table({"doc_id": ["a", "b"], "q_index": [0, 1]})
        if fail:
            raise MemoryError("out of memory")
        yield pa.table({"doc_id": ["c"], "q_index": [0]})

    with pytest.raises(MemoryError):
        _write_stream(tables(True), tmp_path / "q.parquet")
    assert not (tmp_path / "q.parquet").exists()
    _write_stream(tables(False), tmp_path / "q.parquet")
    assert pq.read_table(tmp_path / "q.parquet").num_rows == 3
