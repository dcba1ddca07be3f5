"""The DuckDB store and the consolidation arithmetic, on documents built by hand."""
from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipeline.aggregate import aggregates
from pipeline.consolidation import COLUMNS, Consolidation
from pipeline.document import Document, Section, Segment
from pipeline.store import Store, locator_label, snapshot
from pipeline.units import build_units, core_name, normalise_roster


@dataclass
class Result:  # the FileResult interface the store reads
    path: str
    sha256: str
    status: str = "ok"
    error: str | None = None
    documents: list = field(default_factory=list)


def make_doc(text: str, unit: str, quantities: list[tuple], source: str = "x.txt",
             problems: list[tuple] = (), article: int = 0) -> Document:
    """quantities: (surface, value, low, high, kind, role, subject, approx, redacted[, part_of])."""
    sha = hashlib.sha256(text.encode()).hexdigest()
    doc = Document(source=source, sha256=sha, article=article, text=text, norm=text,
                   reporting_unit=unit, year=2023, doc_type="summary", level="county")
    doc.segments = [Segment(0, len(text), {"file": source, "line": 1, "char": 0})]
    doc.sentences, pos = [], 0
    for part in text.split("。"):
        if part:
            doc.sentences.append((pos, pos + len(part) + 1))
        pos += len(part) + 1
    doc.sections = [Section("正文", 1, "achievements", 0, len(text), 0, 0, marker="一、")]
    cursor = 0
    for q in quantities:
        surface, value, low, high, kind, role, subject, approx, redacted, *rest = q
        start = text.index(surface, cursor)
        cursor = start + len(surface)
        doc.quantities.append({
            "text": surface, "start": start, "end": cursor, "value": value, "low": low,
            "high": high, "unit": surface.lstrip("0123456789.x余近约多"), "kind": kind,
            "approx": approx, "redacted": redacted, "subject": subject, "role": role,
            "period": None, "category": "关爱帮扶", "rule": "test",
            "links": {"part_of": rest[0] if rest else None}})
    for p, theme in problems:
        s = text.index(p)
        doc.problems.append({"start": s, "end": s + len(p), "text": p, "theme": theme})
    return doc


def result_for(path: str, *docs: Document) -> Result:
    return Result(path, docs[0].sha256, documents=list(docs))


A = ("资助困难学生120名，其中小学生80名。受教育青少年3000人次。发放助学金近2万元。", "甲县关工委",
     [("120名", 120, 120, 120, "people", "achieved", "困难学生", False, False),
      ("80名", 80, 80, 80, "people", "achieved", "小学生", False, False, 0),
      ("3000人次", 3000, 3000, 3000, "person_times", "achieved", "青少年", False, False),
      ("近2万元", 20000, 18000, 20000, "funds", "achieved", "助学金", True, False)])
B = ("慰问留守儿童xx名。资助学生50余名。力争资助学生不少于500名。", "乙县关工委",
     [("xx名", None, None, None, "people", "achieved", "留守儿童", False, True),
      ("50余名", 50, 50, 60, "people", "achieved", "学生", True, False),
      ("500名", 500, 500, 500, "people", "target", "学生", False, False)])


def test_commit_is_atomic_idempotent_and_supersedes(tmp_path):
    db = tmp_path / "s.duckdb"
    a1 = make_doc(*A, source="a.txt")
    with Store(db) as st:
        st.commit_files([(result_for("a.txt", a1), "report", 10)], "r1")
        st.commit_files([(result_for("a.txt", a1), "report", 10)], "r2")  # same file again
        assert st.df("SELECT count(*) n FROM files")["n"][0] == 1
        assert st.df("SELECT count(*) n FROM quantities")["n"][0] == 4
        # the file changes: same path, new sha256 -> the old version is kept but superseded
        a2 = make_doc(A[0].replace("120名", "130名"), A[1],
                      [("130名", 130, 130, 130, "people", "achieved", "困难学生", False, False)],
                      source="a.txt")
        st.commit_files([(result_for("a.txt", a2), "report", 10)], "r3")
        files = st.df("SELECT sha256, superseded FROM files ORDER BY superseded")
        assert list(files["superseded"]) == [False, True]
        assert files["sha256"][0] == a2.sha256
        cur = st.df("SELECT text FROM current_quantities")
        assert list(cur["text"]) == ["130名"]
        assert st.df("SELECT count(*) n FROM documents WHERE superseded")["n"][0] == 1
        # a copy of the old contents under another path stores no new documents
        st.commit_files([(result_for("copy.txt", a1), "report", 10)], "r4")
        row = st.df("SELECT status, same_as, n_documents FROM files WHERE path = 'copy.txt'")
        assert row.iloc[0].tolist() == ["duplicate", "a.txt", 1]
        assert st.df("SELECT count(*) n FROM documents")["n"][0] == 2
        assert st.df("SELECT count(*) n FROM current_documents")["n"][0] == 2
        # a.txt changed back to its first contents: those documents are a.txt's again
        st.commit_files([(Result("a.txt", a1.sha256), "report", 10)], "r5")
        cur = st.df("SELECT path, sha256 FROM files WHERE NOT superseded ORDER BY path")
        assert cur.values.tolist() == [["a.txt", a1.sha256], ["copy.txt", a1.sha256]]
        assert st.df("SELECT doc_id FROM current_documents")["doc_id"].tolist() == [a1.doc_id]


def test_failed_transaction_leaves_nothing(tmp_path):
    db = tmp_path / "s.duckdb"
    bad = make_doc(*B, source="b.txt")
    bad.quantities[0]["start"] = "not a number"  # cannot be stored as INTEGER
    with Store(db) as st:
        with pytest.raises(Exception):
            st.commit_files([(result_for("a.txt", make_doc(*A, source="a.txt")), "report", 1),
                             (result_for("b.txt", bad), "report", 1)], "r1")
        for t in ("files", "documents", "quantities"):
            assert st.df(f"SELECT count(*) n FROM {t}")["n"][0] == 0
        st.commit_files([(Result("c.txt", "ab" * 32, "error", "c.txt: unreadable"), "report", 1)],
                        "r2")
        assert st.df("SELECT status, error FROM files").iloc[0].tolist() == [
            "error", "c.txt: unreadable"]


def test_snapshot_ignores_run_ids(tmp_path):
    for name, run in (("1.duckdb", "r1"), ("2.duckdb", "r2")):
        with Store(tmp_path / name) as st:
            st.commit_files([(result_for("a.txt", make_doc(*A, source="a.txt")), "report", 1)], run)
    s1, s2 = snapshot(tmp_path / "1.duckdb"), snapshot(tmp_path / "2.duckdb")
    for t in s1:
        pd.testing.assert_frame_equal(s1[t], s2[t])


ROSTER = normalise_roster(pd.DataFrame([
    ("C", "示范市关工委", "", "city", ""),
    ("A", "甲县关工委", "C", "county", ""),
    ("B", "乙县关心下一代工作委员会", "C", "county", "乙县关工委办公室"),
    ("T", "丙镇关工委", "A", "township", ""),
], columns=["unit_id", "unit_name", "parent_id", "level", "aliases"]))


def _quantities(*docs_units) -> pd.DataFrame:
    rows = []
    for doc, uid in docs_units:
        for i, q in enumerate(doc.quantities):
            rows.append({**q, "doc_id": doc.doc_id, "unit_id": uid, "year": 2023,
                         "part_of": q["links"]["part_of"], "q_index": i})
    return pd.DataFrame(rows)


def test_aggregates_never_mix_kinds_roles_or_parts():
    a, b = make_doc(*A), make_doc(*B)
    agg = aggregates(_quantities((a, "A"), (b, "B")), ROSTER)
    own = agg[agg["scope"] == "own"].set_index(["unit_id", "kind"])
    # 120 counted once (80 is part of it); 人次 kept apart from 名
    assert own.loc[("A", "people"), ["exact_sum", "low_sum", "high_sum", "n_exact"]].tolist() == [
        120, 120, 120, 1]
    assert own.loc[("A", "person_times"), "exact_sum"] == 3000
    assert own.loc[("A", "funds"), ["exact_sum", "low_sum", "high_sum", "n_approx"]].tolist() == [
        0, 18000, 20000, 1]
    # the target 500 is not an achievement; xx is only counted
    assert own.loc[("B", "people"), ["exact_sum", "low_sum", "high_sum", "n_approx",
                                     "n_redacted"]].tolist() == [0, 50, 60, 1, 1]
    kids = agg[agg["scope"] == "children"].set_index(["unit_id", "kind"])
    assert kids.loc[("C", "people"), ["exact_sum", "low_sum", "high_sum", "n_units"]].tolist() == [
        120, 170, 180, 2]
    assert kids.loc[("C", "person_times"), "exact_sum"] == 3000
    assert "A" not in kids.index.get_level_values(0)  # the township did not report


def test_rollup_takes_child_total_not_child_plus_grandchildren():
    a, t = make_doc(*A), make_doc("丙镇资助困难学生40名。", "丙镇关工委",
                                  [("40名", 40, 40, 40, "people", "achieved", "困难学生", False,
                                    False)])
    agg = aggregates(_quantities((a, "A"), (t, "T")), ROSTER)
    kids = agg[agg["scope"] == "children"].set_index(["unit_id", "kind"])
    assert kids.loc[("A", "people"), "exact_sum"] == 40  # the county's township
    assert kids.loc[("C", "people"), "exact_sum"] == 120  # A's own 120 already covers T
    assert kids.loc[("C", "funds"), "high_sum"] == 20000


def test_units_match_exact_alias_stripped_fuzzy_and_title():
    docs = pd.DataFrame([
        ("d1", "甲县关工委", "", "a.txt"), ("d2", "乙县关工委办公室", "", "b.txt"),
        ("d3", "中共丙镇委员会", "", "c.txt"), ("d4", None, "甲县丙镇2023年关工委工作总结", "d.txt"),
        ("d5", "示范市关心下一代工作委员会", "", "e.txt"), ("d6", "丁县关工委", "", "f.txt"),
    ], columns=["doc_id", "reporting_unit", "title", "source"]).assign(level="", relevant=True)
    units, m = build_units(ROSTER, docs)
    got = dict(zip(m["doc_id"], zip(m["unit_id"], m["matched_by"])))
    assert got["d1"] == ("A", "exact")
    assert got["d2"] == ("B", "alias")
    assert got["d3"] == ("T", "stripped")
    assert got["d4"] == ("T", "contained")  # the most specific name in the title
    assert got["d5"][0] == "C"
    assert pd.isna(got["d6"][0]) and got["d6"][1] == "none"
    assert core_name("中共XX县XX镇委员会") == "XX县XX镇"
    assert units.set_index("unit_id")["n_documents"].to_dict() == {"C": 1, "A": 1, "B": 1, "T": 2}


def test_locator_labels_and_contract_example():
    assert locator_label({"file": "a", "page": 3, "char": 5}) == "第3页"
    assert locator_label({"file": "a", "paragraph": 11}) == "第12段"
    assert locator_label({"file": "a", "line": 40}) == "第40行"
    assert locator_label({"file": "a", "table": 0, "row": 1, "col": 2}) == "表1第2行第3列"
    ex = Consolidation.example()
    for name, cols in COLUMNS.items():
        assert list(getattr(ex, name).columns[: len(cols)]) == cols
    assert set(ex.gaps["gap_type"]) == {"plan_item_uncovered", "missing_metric", "target_unmet",
                                        "missing_submission"}
    assert ex.quantities["sentence_text"].str.contains("<script>").any()
    assert len(Consolidation.empty().quantities) == 0


def test_store_file_is_plain_duckdb(tmp_path):
    with Store(tmp_path / "s.duckdb") as st:
        st.commit_files([(result_for("a.txt", make_doc(*A, source="a.txt")), "report", 1)], "r")
    con = duckdb.connect(str(tmp_path / "s.duckdb"), read_only=True)
    assert con.execute("SELECT sum(value) FROM current_quantities WHERE kind = 'people'"
                       ).fetchone()[0] == 200
    con.close()


def test_report_texts_are_stored_uncompressed_and_read_back_whole(tmp_path):
    """documents.text skips DuckDB's string compression (a checkpoint rewrites the open row
    group of every report's text: ~1.2 s compressed at 2,000 reports, 0.05 s without)."""
    doc = make_doc(*A, source="a.txt")
    with Store(tmp_path / "s.duckdb") as st:
        st.commit_files([(result_for("a.txt", doc), "report", 1)], "r")
        st.settle()
        kinds = {k for (k,) in st.con.execute(
            "SELECT DISTINCT compression FROM pragma_storage_info('documents') "
            "WHERE column_name = 'text' AND segment_type = 'VARCHAR'").fetchall()}
        assert kinds == {"Uncompressed"}
        assert st.con.execute("SELECT text FROM documents").fetchall() == [(doc.text,)]


def test_contained_names_found_by_lookup_equal_a_scan_of_the_roster():
    """units._contained looks substrings up instead of scanning every roster name: same
    names, same (roster) order, on titles built from the names themselves."""
    import random

    from pipeline.units import _build_index, _contained, normalise_roster

    rng = random.Random(7)
    stems = ["甲", "乙", "丙", "丁", "东山", "西河", "南湖", "北岭", "新村", "老街"]
    rows = [("C", "示范市关工委", None, "city", "")]
    for i in range(60):
        name = "".join(rng.sample(stems, rng.randint(1, 3))) + rng.choice(["县", "镇", "乡"])
        rows.append((f"U{i}", name + "关工委", "C", "county", ""))
    roster = normalise_roster(pd.DataFrame(rows, columns=["unit_id", "unit_name", "parent_id",
                                                          "level", "aliases"]))
    idx = _build_index(roster)
    hits = 0
    for _ in range(1000):
        text = "".join(rng.choice(stems + ["县", "镇", "关工委", "2023年", "工作总结"])
                       for _ in range(rng.randint(1, 12)))
        found = _contained(text, idx)
        assert found == [c for c in idx.core if c in text]
        hits += len(found) > 1
    assert hits >= 20  # texts holding several names, so the order was checked too


def test_lean_hands_back_the_buffer_pool_and_restores_its_cap(tmp_path):
    """Store.lean (around forking the renderers): DuckDB drops the blocks it caches, so the
    forked processes do not inherit them; the cap on its memory comes back afterwards."""
    with Store(tmp_path / "s.duckdb") as st:
        st.con.execute("CREATE TABLE big AS SELECT range AS i, repeat('报告', 20) || range AS t "
                       "FROM range(400000)")
        st.settle()
        assert st.con.execute("SELECT count(DISTINCT t) FROM big").fetchall() == [(400000,)]

        def used() -> int:
            return st.con.execute("SELECT sum(memory_usage_bytes) FROM duckdb_memory()"
                                  ).fetchall()[0][0]

        def cap() -> str:
            return st.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]

        cached, limit = used(), cap()
        with st.lean():
            assert used() <= 8 << 20 < cached
        assert cap() == limit


def test_a_report_sent_twice_is_found_by_its_stored_key_or_from_the_texts(tmp_path):
    """documents.text_key (made where the file is processed) is the same for a report sent
    again with other spacing; a store made before the column (which the store adds, empty)
    finds the same duplicate from the texts."""
    from pipeline.consolidation import build

    again = A[0].replace("，", "，\u3000").replace("。", "。\u00a0 ")
    docs = [make_doc(*A, source="a.txt"), make_doc(again, *A[1:], source="a.docx"),
            make_doc(*B, source="b.txt")]
    with Store(tmp_path / "s.duckdb") as st:
        for d in docs:
            st.commit_files([(result_for(d.source, d), "report", 1)], "r")
        keys = dict(st.con.execute("SELECT source, text_key FROM documents").fetchall())
        assert keys["a.txt"] == keys["a.docx"] != keys["b.txt"] and len(keys["b.txt"]) == 40
        cons = build(st).documents
        found = cons["duplicate_of"].fillna("").tolist()
        first = cons.loc[cons["source"].isin(["a.txt", "a.docx"]), "doc_id"].min()
        assert sorted(found) == ["", "", first]
        st.con.execute("UPDATE documents SET text_key = NULL")
        assert build(st).documents["duplicate_of"].fillna("").tolist() == found


def test_files_are_written_under_the_files_cap_and_consolidated_under_the_store_cap(
        tmp_path, monkeypatch):
    """DuckDB caches what it writes up to its cap: while files are committed the cap is
    FILES_MEMORY_LIMIT, and the consolidation's queries get MEMORY_LIMIT back."""
    import duckdb

    from pipeline import consolidation, store
    from pipeline.cli import main as cli

    def setting(limit: str) -> str:
        con = duckdb.connect()
        con.execute(f"SET memory_limit = '{limit}'")
        return con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]

    seen = {"commit": set(), "build": set()}
    commit, build = Store.commit_files, consolidation.build

    def cap_of(st) -> str:
        return st.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]

    def commit_files(self, *a, **k):
        seen["commit"].add(cap_of(self))
        return commit(self, *a, **k)

    def built(st, *a, **k):
        seen["build"].add(cap_of(st))
        return build(st, *a, **k)
    monkeypatch.setattr(Store, "commit_files", commit_files)
    monkeypatch.setattr(consolidation, "build", built)
    rep = tmp_path / "in"
    rep.mkdir()
    for i in range(3):
        (rep / f"{i}.txt").write_text(f"甲{i}县关工委2023年工作总结\n\n全年资助困难学生{100 + i}名。\n",
                                      encoding="utf-8")
    assert cli(["run", str(rep), "-o", str(tmp_path / "out"), "--workers", "1",
                "--no-progress"]) == 0
    assert seen == {"commit": {setting(store.FILES_MEMORY_LIMIT)},
                    "build": {setting(store.MEMORY_LIMIT)}}
    assert setting(store.FILES_MEMORY_LIMIT) != setting(store.MEMORY_LIMIT)


def test_caps_nest_and_reattaching_keeps_the_cap_in_force(tmp_path):
    """A cap inside another gives the outer one back, not MEMORY_LIMIT; reattaching (which
    hands back DuckDB's cached blocks) leaves the cap in force as it was."""
    from pipeline import store

    def cap(st) -> str:
        return st.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]

    with Store(tmp_path / "s.duckdb") as st:
        full = cap(st)
        with st.capped("100MB"):
            outer = cap(st)
            with st.capped("50MB"):
                assert cap(st) not in (outer, full)
            assert cap(st) == outer
            st.reattach()
            assert cap(st) == outer
            st.evict()
            assert cap(st) == outer
        assert cap(st) == full and outer != full
        assert st.con.execute(f"SET memory_limit = '{store.MEMORY_LIMIT}'") and cap(st) == full


def test_the_builds_scans_run_under_the_scan_cap_and_the_shared_fingerprints_under_the_store_cap(
        tmp_path, monkeypatch):
    """Plan coverage's reads, the aggregates' sums and chunks and the cross-document checks
    (the figures' chunks, the copies' texts) read the store with DuckDB held to
    SCAN_MEMORY_LIMIT; the passes of the query of shared fingerprints (a large aggregate)
    get MEMORY_LIMIT, and so does what follows the checks."""
    from pipeline import aggregate, details, store, store_reads
    from pipeline.cli import main as cli

    def cap(st) -> str:
        return st.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]

    from pipeline import consolidation

    seen: dict[str, set] = {"coverage": set(), "aggregates": set(), "chunks": set(),
                            "texts": set(), "passes": set(), "after": set()}
    clauses = consolidation.report_clause_chunks

    def report_clause_chunks(st, *a, **k):
        seen["coverage"].add(cap(st))
        return clauses(st, *a, **k)
    slim, fetch, ranges = details.slim_by_chunk, store_reads.Texts._fetch, store_reads._hash_ranges
    replace = Store.replace_derived

    summed = aggregate.stored_aggregates

    def stored_aggregates(st, *a, **k):  # (the sums of scope own, then their chunks)
        seen["aggregates"].add(cap(st))
        return summed(st, *a, **k)

    def slim_by_chunk(st, *a, **k):
        for item in slim(st, *a, **k):
            seen["chunks"].add(cap(st))
            yield item

    def _fetch(self, ids):
        seen["texts"].add(cap(self.store))
        return fetch(self, ids)

    def hash_ranges(n):
        return [seen["passes"].add(cap(held[0])) or r for r in ranges(n)]

    held = []
    shared_of = store_reads.shared_fingerprints

    def shared_fingerprints(st, *a, **k):
        held[:] = [st]
        return shared_of(st, *a, **k)

    def after(st, *a, **k):
        seen["after"].add(cap(st))
        return replace(st, *a, **k)
    monkeypatch.setattr(details, "slim_by_chunk", slim_by_chunk)
    monkeypatch.setattr(aggregate, "stored_aggregates", stored_aggregates)
    monkeypatch.setattr(store_reads.Texts, "_fetch", _fetch)
    monkeypatch.setattr(store_reads, "_hash_ranges", hash_ranges)
    monkeypatch.setattr(store_reads, "shared_fingerprints", shared_fingerprints)
    monkeypatch.setattr(Store, "replace_derived", after)
    monkeypatch.setattr(consolidation, "report_clause_chunks", report_clause_chunks)
    samples = Path(__file__).resolve().parent.parent / "corpus" / "samples"
    inputs = tmp_path / "in"
    shutil.copytree(samples, inputs)
    summary = (samples / "2021_econ-bureau_summary.txt").read_text(encoding="utf-8")
    (inputs / "copy.txt").write_text(  # another unit's report copying a third of it
        "乙县关心下一代工作委员会2021年工作总结\n\n"
        + summary[len(summary) // 3:2 * len(summary) // 3] + "\n全年资助困难学生120名。\n",
        encoding="utf-8")
    plan = samples / "2020_market-regulator_work-points.txt"
    assert cli(["run", str(inputs), "-o", str(tmp_path / "out"), "--workers", "1",
                "--no-progress", "--plan", str(plan)]) == 0
    with Store(tmp_path / "out" / "ngreport.duckdb") as st:
        scan, full = (st.con.execute(f"SET memory_limit = '{v}'") and cap(st)
                      for v in (store.SCAN_MEMORY_LIMIT, store.MEMORY_LIMIT))
        copies = st.con.execute("SELECT count(*) FROM flags WHERE type = 'copied_text'"
                                ).fetchall()[0][0]
    assert copies > 0  # the copy's texts were read
    assert seen == {"coverage": {scan}, "aggregates": {scan}, "chunks": {scan},
                    "texts": {scan}, "passes": {full}, "after": {full}}
    assert scan != full


def test_reattaching_keeps_the_rows_and_the_connections_own_state(tmp_path, monkeypatch):
    """Store.reattach (every REATTACH_FILES committed files, and between the build's steps)
    detaches the file and attaches it again: the stored rows are those of a store written
    without it; temporary tables, registered frames, settings and cursors opened before
    (a Stager's) still work."""
    from pipeline import store as store_mod
    from pipeline.store_reads import temp_table

    docs = [make_doc(*A, source="a.txt"), make_doc(*B, source="b.txt"),
            make_doc(*A, source="c.txt")]  # a copy of a.txt
    for name, every in (("plain.duckdb", 10**9), ("re.duckdb", 1)):
        monkeypatch.setattr(store_mod, "REATTACH_FILES", every)
        with Store(tmp_path / name) as st:
            for d in docs:
                st.commit_files([(result_for(d.source, d), "report", 1)], "r1")
    plain, re = snapshot(tmp_path / "plain.duckdb"), snapshot(tmp_path / "re.duckdb")
    assert set(plain) == set(re) and len(re["quantities"]) == 7
    for t in plain:
        pd.testing.assert_frame_equal(plain[t], re[t])

    with Store(tmp_path / "re.duckdb") as st:
        temp_table(st, "some_units", pd.DataFrame({"unit_id": ["A", "B"]}))
        st.con.register("some_frame", pd.DataFrame({"x": [1, 2, 3]}))
        cur = st.con.cursor()
        cur.execute("USE store")
        st.con.execute("SET preserve_insertion_order = false")
        st.reattach()
        assert st.con.execute("SELECT count(*) FROM some_units").fetchall() == [(2,)]
        assert st.con.execute("SELECT sum(x) FROM some_frame").fetchall() == [(6,)]
        assert cur.execute("SELECT count(*) FROM files").fetchall() == [(3,)]
        assert st.con.execute("SELECT count(*) FROM current_documents").fetchall() == [(2,)]
        assert st.con.execute("SELECT current_setting('preserve_insertion_order')"
                              ).fetchall()[0][0] is False  # (the cap: test_caps_nest_…)


def test_compacting_rewrites_small_row_groups_in_large_ones_keeping_every_row_in_order(
        tmp_path, monkeypatch):
    """Store.compact (the end of the files phase) rewrites a table's small row groups into
    large ones once they hold COMPACT_ROWS rows and as many as the large ones: the same
    rows in the same order, far fewer row groups; a small tail is left for later."""
    from pipeline import store as store_mod

    monkeypatch.setattr(store_mod, "COMPACT_ROWS", 3000)

    def add(st, first: int, n: int) -> None:  # activities in commits of 500 rows
        for a in range(first, first + n, 500):
            st.con.execute(
                "INSERT INTO activities SELECT 'd' || (range // 40), range % 40, range, "
                "range + 5, '开展活动' || range, 'other', NULL, NULL FROM range(?, ?)",
                [a, a + 500])
            st.con.execute("CHECKPOINT")

    def groups(st) -> int:
        return st.con.execute("SELECT count(DISTINCT row_group_id) FROM "
                              "pragma_storage_info('activities')").fetchall()[0][0]

    def rows(st) -> list:
        return st.con.execute("SELECT * FROM activities ORDER BY rowid").fetchall()

    path = tmp_path / "s.duckdb"
    with Store(path) as st:
        add(st, 0, 2500)  # below COMPACT_ROWS: left as it is
        assert st.compact() == [] and groups(st) >= 2
    with Store(path) as st:  # a new run writes small row groups again
        add(st, 2500, 7500)
        before, small = rows(st), groups(st)
        assert st.compact() == ["activities"]
        assert rows(st) == before and len(before) == 10000
        assert small >= 5 and groups(st) == 1  # 10,000 rows: one large group
        assert st.con.execute("SELECT n_rows FROM compacted WHERE table_name = 'activities'"
                              ).fetchall() == [(10000,)]
    with Store(path) as st:  # fewer new rows than rewritten ones: not yet
        add(st, 10000, 5000)
        assert st.compact() == [] and groups(st) > 1
        add(st, 15000, 5000)
        before = rows(st)
        assert st.compact() == ["activities"] and rows(st) == before
        assert groups(st) == -(-20000 // store_mod.LARGE_ROW_GROUP_SIZE) < 10
