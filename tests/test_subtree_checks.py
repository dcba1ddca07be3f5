"""pipeline/subtree_checks.py: the figure checks a roster subtree at a time give the
whole-corpus flags (pipeline/crossflags.py) on generated rosters and figures."""
import random

import pandas as pd
import pytest

from extractors.flags import ADDITIVE
from pipeline.crossflags import cross_document_flags
from pipeline.subtree_checks import cross_flags
from pipeline.subtrees import partition

SUBJECTS = ["困难学生", "留守儿童", "全县留守儿童", "志愿者", "宣讲活动", "助学金"]
KINDS = {"困难学生": "people", "留守儿童": "people", "全县留守儿童": "people",
         "志愿者": "people", "宣讲活动": "events", "助学金": "funds"}


def roster(rng: random.Random) -> pd.DataFrame:
    rows = [("P", "某省关工委", None, "province")]
    for c in range(3):
        rows.append((f"C{c}", f"{'甲乙丙'[c]}市关工委", "P", "city"))
        for k in range(rng.randint(2, 4)):
            rows.append((f"K{c}{k}", f"{'东西南北'[k]}{c}县关工委", f"C{c}", "county"))
            for t in range(rng.randint(0, 3)):
                rows.append((f"T{c}{k}{t}", f"第{t}镇{c}{k}关工委", f"K{c}{k}", "township"))
    # a roster error: two units each other's parent, and a unit under them
    rows += [("X1", "错一关工委", "X2", "county"), ("X2", "错二关工委", "X1", "county"),
             ("X3", "错三关工委", "X1", "township")]
    return pd.DataFrame(rows, columns=["unit_id", "unit_name", "parent_id", "level"])


def figures(rng: random.Random, units: pd.DataFrame, n_docs: int) -> pd.DataFrame:
    """Documents of random units and years whose figures collide often enough for every
    check to fire: two documents of a unit and year, ×10 jumps, parents below their
    children, units that report round numbers."""
    ids = units["unit_id"].tolist()
    level_scale = {"province": 50, "city": 10, "county": 3, "township": 1}
    rounder = set(rng.sample(ids, 4))
    rows = []
    for d in range(n_docs):
        unit = rng.choice(ids)
        lvl = units.loc[units["unit_id"] == unit, "level"].iloc[0]
        year = rng.choice([2020, 2021, 2022, 2022, 2023])
        for i in range(rng.randint(4, 12)):
            subj = rng.choice(SUBJECTS)
            base = rng.choice([37, 120, 400, 1234]) * level_scale[lvl] * rng.choice([1, 1, 1, 10])
            value = float(round(base, -2) if unit in rounder or rng.random() < 0.2 else base + i)
            approx = rng.random() < 0.15
            low, high = (value * 0.9, value * 1.1) if approx else (value, value)
            text = f"{'约' if approx else ''}{int(value)}{'元' if KINDS[subj] == 'funds' else '名'}"
            rows.append((f"d{d:04d}:0", unit, year, "summary", text, None if approx else value,
                         low, high, KINDS[subj], approx, rng.random() < 0.05, subj,
                         rng.choice(["achieved"] * 5 + ["status", "target"]),
                         rng.choice(["关爱帮扶", "宣传/信息报送"]), f"d{d:04d}.txt", 10 * i,
                         10 * i + len(text), i))
    q = pd.DataFrame(rows, columns=["doc_id", "unit_id", "year", "doc_type", "text", "value",
                                    "low", "high", "kind", "approx", "redacted", "subject",
                                    "role", "category", "source", "start", "end", "q_index"])
    return q.sort_values(["doc_id", "q_index"]).reset_index(drop=True)


def loader(q: pd.DataFrame):
    """What the store's loaders do: the rows of the assigned units, by chunk, in document
    order (figures) or in their own order (aggregates)."""
    def load(assignment: pd.DataFrame):
        x = q.merge(assignment, on="unit_id").sort_values(
            ["chunk", "doc_id", "q_index"] if "doc_id" in q else ["chunk"], kind="stable")
        for chunk, f in x.groupby("chunk", sort=True):
            yield chunk, f.drop(columns="chunk").reset_index(drop=True)
    return load


def ordered(flags: pd.DataFrame) -> pd.DataFrame:
    return flags.sort_values(["doc_id", "type", "start"], na_position="first",
                             kind="stable").reset_index(drop=True)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("budget", [1, 40, 150, 10**9])
def test_checks_by_subtree_raise_the_whole_corpus_flags(seed, budget):
    rng = random.Random(seed)
    units = roster(rng)
    q = figures(rng, units, 160)
    weights = q[q["kind"].isin(ADDITIVE)].groupby("unit_id").size().to_dict()
    empty_docs = pd.DataFrame(columns=["doc_id", "unit_id", "source", "reporting_unit"])
    whole = ordered(cross_document_flags(empty_docs, q, {}, units))
    assert {"cross_document_conflict", "parent_less_than_children", "implausible_jump",
            "round_numbers"} <= set(whole["type"])
    by_subtree = ordered(cross_flags(empty_docs, {}, units, weights, loader(q), budget=budget))
    pd.testing.assert_frame_equal(by_subtree, whole)


@pytest.mark.parametrize("budget", [1, 40, 150, 10**9])
def test_aggregates_rolled_up_by_subtree_are_the_whole_roll_up(budget):
    from pipeline.aggregate import aggregates, own_aggregates, subtree_aggregates

    rng = random.Random(4)
    units = roster(rng)
    q = figures(rng, units, 200)
    own = own_aggregates(q)
    weights = own.groupby("unit_id").size().to_dict()
    whole = aggregates(q, units)
    assert (whole["scope"] == "children").sum() > 50
    by_subtree = subtree_aggregates(units, weights, loader(own), budget)
    pd.testing.assert_frame_equal(by_subtree, whole)


def test_partition_cuts_whole_subtrees_within_the_budget():
    rng = random.Random(7)
    units = roster(rng)
    parent = dict(zip(units["unit_id"], units["parent_id"]))
    parent.update({"X1": "X2", "X2": "X1", "X3": "X1"})  # a cycle, and a unit under it
    weights = {u: rng.randint(0, 30) for u in parent}
    weights["K00"] = 500  # one county alone above the budget
    weights["loose"] = 5  # figures of a unit missing from the roster
    part = partition(parent, weights, budget=60)
    placed = [*part.upper, *(u for c in part.chunks for u in c)]
    assert len(placed) == len(set(placed))  # each unit once
    with_figures = {u for u, w in weights.items() if w}
    assert with_figures <= set(placed)
    assert {"X1", "X2", "X3", "P"} <= set(part.upper)
    where = {u: i for i, c in enumerate(part.chunks) for u in c}
    for u, p in parent.items():
        if u in where:  # a chunk holds every descendant of its units
            assert p in part.upper or where.get(p) == where[u]
    for c in part.chunks:
        assert sum(weights.get(u, 0) for u in c) <= 60 or c == ["K00"] + [
            u for u in c if u.startswith("T00")]
    assert len(part.chunks) >= 3
    frame = part.frame()
    assert frame.loc[frame["chunk"] == 0, "unit_id"].tolist() == part.upper


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """A generated corpus of two years run into a store."""
    from pipeline import synth
    from pipeline.cli import main as cli

    base = tmp_path_factory.mktemp("subtrees")
    synth.generate(40, 2, seed=11, outdir=base / "c", formats="txt", target_chars=1500,
                   truth=False)
    out = base / "out"
    assert cli(["run", str(base / "c" / "txt"), "-o", str(out), "--roster",
                str(base / "c" / "roster.csv"), "--plan", str(base / "c" / "plan.txt"),
                "--workers", "1", "--no-progress"]) == 0
    return out / "ngreport.duckdb"


def test_a_stored_corpus_checked_by_subtree_gets_the_same_flags(stored, tmp_path, monkeypatch):
    """Checks of figures, roll-up of aggregates and unmet targets, a chunk at a time."""
    import shutil

    from pipeline import consolidation, details, subtrees
    from pipeline.store import Store

    chunks = []
    read = details.slim_by_chunk

    def counted(*a, **k):
        for chunk, frame in read(*a, **k):
            chunks.append((chunk, len(frame)))
            yield chunk, frame
    monkeypatch.setattr(details, "slim_by_chunk", counted)
    flags, aggs, gaps = {}, {}, {}
    for budget in (10**9, 60):
        monkeypatch.setattr(subtrees, "CHUNK_ROWS", budget)
        shutil.copy(stored, tmp_path / f"{budget}.duckdb")
        with Store(tmp_path / f"{budget}.duckdb") as st:
            cons = consolidation.build(st)
            flags[budget], aggs[budget], gaps[budget] = cons.flags, cons.aggregates, cons.gaps
        if budget == 60:
            assert len({c for c, _ in chunks}) > 5 and max(n for _, n in chunks) < 200
        chunks.clear()
    figure_checks = set(flags[60]["type"]) - {"copied_text"}
    assert len(figure_checks & {"cross_document_conflict", "parent_less_than_children",
                                "implausible_jump", "round_numbers"}) >= 2
    pd.testing.assert_frame_equal(flags[60], flags[10**9])
    assert (aggs[60]["scope"] == "children").sum() > 20
    pd.testing.assert_frame_equal(aggs[60], aggs[10**9])
    assert (gaps[60]["gap_type"] == "target_unmet").sum() > 5
    pd.testing.assert_frame_equal(gaps[60], gaps[10**9])


def test_plan_coverage_a_group_of_units_at_a_time_is_the_whole_corpus_coverage(stored, tmp_path):
    """Report clauses read in groups of whole units: each unit's rows are made once its
    group is scored, and they are those of one pass over every clause."""
    import shutil

    from pipeline import gaps
    from pipeline.store import Store
    from pipeline.store_reads import report_clause_chunks

    shutil.copy(stored, tmp_path / "s.duckdb")
    with Store(tmp_path / "s.duckdb") as st:
        docs = st.df("SELECT doc_id, unit_id FROM doc_units WHERE unit_id IS NOT NULL "
                     "ORDER BY doc_id")
        plan = st.df("SELECT d.* FROM documents d JOIN files f USING (sha256) "
                     "WHERE f.role = 'plan'").iloc[0]
        items = gaps.plan_items(plan["text"], st.df(
            "SELECT * FROM sections WHERE doc_id = ? ORDER BY idx", [plan["doc_id"]]), st.df(
            "SELECT * FROM activities WHERE doc_id = ? ORDER BY idx", [plan["doc_id"]]))
        units = sorted(set(docs["unit_id"])) + ["no-report"]
        grouped = report_clause_chunks(st, docs, chunk=3, keep_chars=0)
        frames = list(grouped())
        assert grouped.by_unit and len(frames) > 5
        for f in frames:  # no unit spans two groups
            assert not set(f["unit_id"]) & set().union(*(set(g["unit_id"]) for g in frames
                                                         if g is not f))
        whole = pd.concat(list(report_clause_chunks(st, docs, chunk=10**6)()), ignore_index=True)
        by_group = gaps.plan_coverage(items, grouped, units)
        one_pass = gaps.plan_coverage(items, whole, units)
    assert by_group["detail"].str.startswith("最接近").sum() > 10
    assert (by_group["unit_id"] == "no-report").sum() == len(items)
    pd.testing.assert_frame_equal(by_group, one_pass)


@pytest.mark.parametrize("compact_at", [1, 10**9])
def test_a_parent_below_many_children_in_many_chunks(compact_at, monkeypatch):
    """A city above 2 counties of 13 townships each (more than the flag names), its figure
    below their sum, and the townships read in chunks of a few units: the children's sums,
    counts and first names are carried across chunks (and summed again when held rows pass
    ``COMPACT_AT``) to the whole-corpus flag."""
    from pipeline import crossflags, subtree_checks

    monkeypatch.setattr(subtree_checks._ChildSums, "COMPACT_AT", compact_at)
    rows = [("C", "甲市关工委", None, "city")]
    for k in range(2):
        rows.append((f"K{k}", f"{k}县关工委", "C", "county"))
        rows += [(f"T{k}{t:02d}", f"第{t}镇{k}关工委", f"K{k}", "township") for t in range(13)]
    units = pd.DataFrame(rows, columns=["unit_id", "unit_name", "parent_id", "level"])
    figs = [("C", 500.0), ("K0", 5000.0), ("K1", 30.0)]
    figs += [(u, 10.0 + i) for i, u in enumerate(units["unit_id"]) if u.startswith("T")]
    q = pd.DataFrame([(f"d{i:03d}:0", u, 2023, "summary", f"{int(v)}名", v, v, v, "people",
                       False, False, "资助困难学生", "achieved", "关爱帮扶", f"d{i:03d}.txt", 0,
                       4, 0) for i, (u, v) in enumerate(figs)],
                     columns=["doc_id", "unit_id", "year", "doc_type", "text", "value", "low",
                              "high", "kind", "approx", "redacted", "subject", "role",
                              "category", "source", "start", "end", "q_index"])
    weights = q.groupby("unit_id").size().to_dict()
    empty_docs = pd.DataFrame(columns=["doc_id", "unit_id", "source", "reporting_unit"])
    whole = ordered(crossflags.cross_document_flags(empty_docs, q, {}, units))
    parents = whole[whole["type"] == "parent_less_than_children"]
    # the city (500 < 5030) and county 1 (30 < its townships' sum); not county 0
    assert set(parents["unit_id"]) == {"C", "K1"}
    k1 = parents.set_index("unit_id").loc["K1", "evidence"]
    first = int(q.loc[q["unit_id"] == "T100", "value"].iloc[0])
    assert "等13个下级单位" in k1 and f"（第0镇1关工委 {first}名、" in k1
    for budget in (2, 5, 14):
        by_subtree = ordered(cross_flags(empty_docs, {}, units, weights, loader(q), budget=budget))
        pd.testing.assert_frame_equal(by_subtree, whole)


def test_figures_held_for_a_forked_child_load_as_the_store_does(stored, tmp_path):
    """``held_loader`` over every figure read at once gives, for any assignment of units to
    chunks, the frames the store's loader reads (a forked child checks figures with it)."""
    import shutil

    from pipeline import consolidation, subtree_checks
    from pipeline.store import Store
    from pipeline.subtrees import held_loader

    shutil.copy(stored, tmp_path / "s.duckdb")
    with Store(tmp_path / "s.duckdb") as st:
        units = consolidation.build(st).units
        weights, load = subtree_checks._figures(st)
        everyone = pd.DataFrame({"unit_id": list(weights), "chunk": 0})
        held = held_loader(pd.concat([f for _, f in load(everyone)], ignore_index=True))
        part = partition(dict(zip(units["unit_id"], units["parent_id"])), weights, 60)
        flagged = pd.DataFrame({"unit_id": sorted(weights)[::3], "chunk": 0})
        for assignment in (part.frame(), flagged, part.frame().iloc[::-1]):
            want, got = list(load(assignment)), list(held(assignment))
            assert [c for c, _ in got] == [c for c, _ in want]
            for (_, a), (_, b) in zip(got, want):
                pd.testing.assert_frame_equal(a, b)
    assert len(part.chunks) > 5 and len(flagged) > 5


def test_figures_checked_in_a_forked_child_give_the_same_flags(stored, tmp_path, monkeypatch):
    """With several workers the build checks figures in a forked child (figures read first,
    chunks from memory); its flags, in every chunking, are the serial build's."""
    import shutil

    from pipeline import consolidation, subtree_checks, subtrees
    from pipeline.store import Store

    forked = []
    fork = subtree_checks.forked_figure_flags

    def recorded(*a, **k):
        d = fork(*a, **k)
        forked.append(d is not None and d.forked)
        return d
    monkeypatch.setattr(subtree_checks, "forked_figure_flags", recorded)
    for budget in (10**9, 60):
        monkeypatch.setattr(subtrees, "CHUNK_ROWS", budget)
        flags = []
        for workers in (1, 2):
            shutil.copy(stored, tmp_path / f"{budget}-{workers}.duckdb")
            with Store(tmp_path / f"{budget}-{workers}.duckdb") as st:
                flags.append(consolidation.build(st, workers=workers).flags)
        assert (flags[0]["origin"] == "cross").sum() > 10
        pd.testing.assert_frame_equal(flags[1], flags[0])
    assert forked == [True, True]
