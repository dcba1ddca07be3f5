"""pipeline.textsim against scikit-learn's TfidfVectorizer on the same n-grams, whether the
texts are fitted and scored at once or streamed in chunks (as the plan coverage reads them)."""
from __future__ import annotations

import re

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from pipeline.textsim import _FILLER, Similarity, best_match

ROOT_TEXTS = [
    "深入开展理想信念教育，组织五老宣讲团进校园宣讲36场。",
    "全年资助家庭经济困难学生320名，发放助学金15.5万元。",
    "加强家庭教育指导，举办家庭教育讲座，推进家风建设。",
    "开展青少年普法宣传教育活动，发放普法资料3000份。",
    "走访慰问留守儿童等困难家庭15户。",
    "组织五老宣讲团进校园开展宣讲活动。",  # a repeat below: counted twice, vectorised once
    "Report in English only",  # no Chinese: an empty row
]
QUERIES = ["理想信念教育", "五老宣讲团进校园", "困难学生资助", "家庭教育讲座", "普法宣传"]
GROUP = [0, 0, 1, 2, 3]


def _grams(text: str) -> list[str]:
    """The n-grams textsim counts: 2- and 3-grams of runs of Chinese characters."""
    runs = re.findall(r"[\u4e00-\u9fff]+", _FILLER.sub(" ", text))
    return [r[i:i + n] for r in runs for n in (2, 3) for i in range(len(r) - n + 1)]


def _reference(queries, group, texts):
    vec = TfidfVectorizer(analyzer=_grams, sublinear_tf=True)
    m = vec.fit_transform(list(queries) + list(texts))
    sims = (m[len(queries):] @ m[:len(queries)].T).toarray()
    out = np.zeros((len(texts), max(group) + 1))
    for j, g in enumerate(group):
        out[:, g] = np.maximum(out[:, g], sims[:, j])
    return out


@pytest.fixture(scope="module")
def texts():
    rng = np.random.default_rng(0)
    extra = ["".join(rng.choice(list("教育宣讲资助困难学生家庭家风普法关爱留守儿童五老"), 30))
             for _ in range(40)]
    return ROOT_TEXTS + extra + [ROOT_TEXTS[5]]


def test_best_match_equals_sklearn(texts):
    np.testing.assert_allclose(best_match(QUERIES, GROUP, texts), _reference(QUERIES, GROUP, texts),
                               atol=1e-12)


@pytest.mark.parametrize("chunk_chars", [25, 1000, 100_000])
def test_streamed_in_chunks_equals_at_once(texts, chunk_chars):
    chunks = [texts[a:a + 7] for a in range(0, len(texts), 7)]
    sim = Similarity(QUERIES, GROUP, chunk_chars=chunk_chars).fit(iter(chunks))
    streamed = np.vstack([sim.best(c) for c in chunks])
    np.testing.assert_array_equal(streamed, best_match(QUERIES, GROUP, texts))
    assert np.all(streamed[ROOT_TEXTS.index("Report in English only")] == 0)
    encoded = [sim.encode(c) for c in chunks]  # encoded once, for both passes
    again = Similarity(QUERIES, GROUP, chunk_chars=chunk_chars).fit(iter(encoded))
    np.testing.assert_array_equal(np.vstack([again.best(e) for e in encoded]), streamed)


@pytest.mark.parametrize("keep", [0, 60, None])  # no chunk, the first, every chunk encoded once
def test_plan_coverage_streamed_equals_whole(keep, monkeypatch):
    import pandas as pd

    from pipeline import gaps
    from pipeline.gaps import PlanItem, plan_coverage

    if keep is not None:
        monkeypatch.setattr(gaps, "KEEP_ENCODED", keep)

    items = [PlanItem("1.加强理想信念教育", "组织五老宣讲团进校园开展理想信念宣讲。", "ideology_moral", 0, 20),
             PlanItem("2.做好困难学生资助", "全年资助困难学生不少于500名。", None, 20, 40),
             PlanItem("3.开展网络素养教育", "举办网络安全进校园活动。", None, 40, 60)]
    rows = [("A", "d1", ROOT_TEXTS[0], "ideology_moral"), ("B", "d2", ROOT_TEXTS[1], None),
            ("A", "d1", ROOT_TEXTS[2], None), ("B", "d3", ROOT_TEXTS[5], None),
            ("A", "d4", ROOT_TEXTS[5], None),  # the same text again: ties keep the first
            ("C", "d5", ROOT_TEXTS[3], None), ("A", "d4", ROOT_TEXTS[1], None)]
    clauses = pd.DataFrame(rows, columns=["unit_id", "doc_id", "text", "category"])
    whole = plan_coverage(items, clauses, ["A", "B", "C", "D"])
    parts = [clauses.iloc[a:a + 2] for a in range(0, len(clauses), 2)]
    streamed = plan_coverage(items, lambda: iter(parts), ["A", "B", "C", "D"])
    pd.testing.assert_frame_equal(whole, streamed)
    assert set(whole["unit_id"]) == {"A", "B", "C", "D"}  # D reported nothing comparable
    assert (whole.loc[whole["unit_id"] == "D", "score"] == 0).all()


def test_fit_holds_one_chunk_at_a_time():
    """``fit`` reads its chunks as it goes: when a chunk is asked for, the ones before the
    last it read are gone."""
    import gc
    import weakref

    from pipeline.textsim import Similarity

    class Chunk(list):
        pass

    alive = []
    most = 0

    def chunks():
        nonlocal most
        for i in range(30):
            gc.collect()
            most = max(most, sum(r() is not None for r in alive))
            c = Chunk([f"第{i}批关爱留守儿童活动", f"组织{i}场五老宣讲报告会", "走访慰问困难学生家庭"])
            alive.append(weakref.ref(c))
            yield c

    sim = Similarity(["关爱留守儿童", "五老宣讲"], [0, 1]).fit(chunks())
    assert len(sim.index) > 20 and most <= 1
