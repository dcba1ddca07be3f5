"""pipeline/crossflags.py on DataFrames built here."""
import numpy as np
import pandas as pd
import pytest

from pipeline.crossflags import COLUMNS, copied_passages, cross_document_flags

QCOLS = ["doc_id", "unit_id", "year", "doc_type", "text", "value", "low", "high", "unit", "kind",
         "approx", "redacted", "subject", "role", "category", "source", "start", "end",
         "sentence_text"]

UNITS = pd.DataFrame([
    ("C", "示例市关工委", None, "city"),
    ("K1", "甲县关工委", "C", "county"), ("K2", "乙县关工委", "C", "county"),
    ("T1", "东镇关工委", "K1", "township"), ("T2", "西镇关工委", "K1", "township"),
], columns=["unit_id", "unit_name", "parent_id", "level"])


def q(doc, unit, year, text, value, subject="困难学生", kind="people", approx=False, low=None,
      high=None, start=0, role="achieved", category="关爱帮扶", doc_type="summary"):
    low = value if low is None else low
    high = value if high is None else high
    return (doc, unit, year, doc_type, text, None if approx else value, low, high, text[-1], kind,
            approx, False, subject, role, category, doc + ".txt", start, start + len(text),
            f"……{text}……")


def frame(rows):
    return pd.DataFrame(rows, columns=QCOLS)


def run(rows, documents=None, texts=None, units=UNITS):
    docs = documents if documents is not None else pd.DataFrame(columns=[
        "doc_id", "source", "article", "unit_id", "unit_name", "level", "year", "doc_type",
        "relevant", "reporting_unit"])
    out = cross_document_flags(docs, frame(rows), texts or {}, units)
    assert list(out.columns) == COLUMNS
    return out


def test_conflict_between_summary_and_speech():
    out = run([q("a", "K1", 2022, "1200名", 1200), q("b", "K1", 2022, "1300名", 1300)])
    c = out[out.type == "cross_document_conflict"]
    assert sorted(zip(c.doc_id, c.other_doc_id)) == [("a", "b"), ("b", "a")]
    assert "本文“1200名”；b.txt“1300名”" in set(c.evidence)
    # equal values, another year, another subject or a compatible approximation: no conflict
    assert run([q("a", "K1", 2022, "1200名", 1200), q("b", "K1", 2022, "1200名", 1200)]).empty
    assert run([q("a", "K1", 2022, "1200名", 1200), q("b", "K1", 2021, "1300名", 1300)]).empty
    assert run([q("a", "K1", 2022, "1200名", 1200),
                q("b", "K1", 2022, "1300名", 1300, subject="留守儿童")]).empty
    assert run([q("a", "K1", 2022, "1200多名", 1200, approx=True, high=1300),
                q("b", "K1", 2022, "1250名", 1250)]).empty
    # 1.2万 is rounded: 12345 fits
    assert run([q("a", "K1", 2022, "1.2万名", 12000), q("b", "K1", 2022, "12345名", 12345)]).empty


def test_parent_less_than_children():
    rows = [q("k", "K1", 2022, "500名", 500), q("t1", "T1", 2022, "300名", 300),
            q("t2", "T2", 2022, "400名", 400)]
    out = run(rows)
    p = out[out.type == "parent_less_than_children"]
    assert list(p.doc_id) == ["k"] and list(p.unit_id) == ["K1"]
    assert p.evidence.iloc[0] == "上级“500名”；下级合计 ≥ 700（东镇关工委 300名、西镇关工委 400名）"
    rows[0] = q("k", "K1", 2022, "800名", 800)
    assert run(rows).empty
    # targets are not totals
    rows[0] = q("k", "K1", 2022, "500名", 500, role="target")
    assert run(rows).empty


def test_parent_less_than_many_children_names_the_first_ones():
    from pipeline.crossflags import MAX_CHILDREN_SHOWN

    n = MAX_CHILDREN_SHOWN + 5
    units = pd.concat([UNITS, pd.DataFrame(
        [(f"V{i}", f"第{i}村关工委", "T1", "village") for i in range(n)],
        columns=UNITS.columns)], ignore_index=True)
    rows = [q("t", "T1", 2022, "50名", 50)] + [q(f"v{i}", f"V{i}", 2022, f"{10 + i}名", 10 + i)
                                             for i in range(n)]
    ev = run(rows, units=units).set_index("type").loc["parent_less_than_children", "evidence"]
    total = sum(10 + i for i in range(n))
    shown = "、".join(f"第{i}村关工委 {10 + i}名" for i in range(MAX_CHILDREN_SHOWN))
    assert ev == f"上级“50名”；下级合计 ≥ {total}（{shown}等{n}个下级单位）"


def test_implausible_jump_year_over_year_and_over_ancestor():
    out = run([q("a", "T1", 2021, "12场", 12, subject="法治讲座", kind="events"),
               q("b", "T1", 2022, "150场", 150, subject="法治讲座", kind="events")])
    j = out[out.type == "implausible_jump"]
    assert list(zip(j.doc_id, j.other_doc_id)) == [("b", "a")]
    assert "12.5倍" in j.message.iloc[0]
    assert run([q("a", "T1", 2021, "12场", 12, kind="events"),
                q("b", "T1", 2022, "100场", 100, kind="events")]).empty  # ×8.3
    assert run([q("a", "T1", 2015, "12场", 12, kind="events"),
                q("b", "T1", 2022, "150场", 150, kind="events")]).empty  # years apart
    # a township above its city (two levels up) for the same metric
    out = run([q("c", "C", 2022, "20000人", 20000, subject="受教育青少年"),
               q("t", "T1", 2022, "50000人", 50000, subject="受教育青少年")])
    j = out[out.type == "implausible_jump"]
    assert list(j.doc_id) == ["t"] and "市级" in j.message.iloc[0]


def test_round_numbers_binomial():
    rows = []
    vals = [100, 200, 300, 400, 500, 600, 800, 1000, 1200, 2000]
    rows += [q("r", "T1", 2022, f"{v}名", v, start=10 * i) for i, v in enumerate(vals)]
    peers = [137, 245, 318, 452, 571, 623, 784, 915, 1032, 1287, 400, 163, 274, 359, 488, 592]
    rows += [q(f"p{i % 2}", ["T2", "K2"][i % 2], 2022, f"{v}名", v, start=10 * i)
             for i, v in enumerate(peers)]
    out = run(rows)
    r = out[out.type == "round_numbers"]
    assert list(r.unit_id) == ["T1"]
    assert "整百数 10/10，其他单位 1/16" in r.evidence.iloc[0]
    # too few numbers: not tested
    assert run(rows[3:]).query("type == 'round_numbers'").empty


A = ("甲县关工委坚持把关爱留守儿童作为重中之重，组织五老志愿者深入全县各村开展结对帮扶，"
     "每名五老至少联系两名留守儿童，每月上门走访一次，及时了解孩子的学习、生活和思想状况，"
     "建立一人一档的帮扶台账，做到底数清、情况明、措施实。")


def test_copied_text_with_unit_names_normalised():
    b = A.replace("甲县", "乙县")
    texts = {"a": "一、总体情况\n今年我们召开了全委会议。\n" + A + "\n二、下步打算。",
             "b": "全年工作回顾：\n" + b + "\n此外还开展了读书活动。",
             "c": "丙镇关工委今年举办家长学校培训班十二期，邀请专家讲授家庭教育知识，受到家长欢迎。"}
    docs = pd.DataFrame([
        ("a", "a.txt", 0, "K1", "甲县关工委", "county", 2022, "summary", True, "甲县关工委"),
        ("b", "b.txt", 0, "K2", "乙县关工委", "county", 2022, "summary", True, "乙县关工委"),
        ("c", "c.txt", 0, "T1", "丙镇关工委", "township", 2022, "summary", True, "丙镇关工委"),
    ], columns=["doc_id", "source", "article", "unit_id", "unit_name", "level", "year", "doc_type",
                "relevant", "reporting_unit"])
    out = run([], docs, texts)
    c = out[out.type == "copied_text"]
    assert sorted(c.doc_id) == ["a", "b"] and set(c.severity) == {"warning"}
    ra = c[c.doc_id == "a"].iloc[0]
    assert texts["a"][ra.start:ra.end].startswith("甲县关工委坚持") or \
        texts["a"][ra.start:ra.end].startswith("关工委坚持")
    assert texts["a"][ra.start:ra.end].endswith("措施实。")
    assert ra.other_doc_id == "b" and "b.txt" in ra.evidence
    p = copied_passages(docs, texts)
    assert len(p) == 1 and p[0]["n_chars"] >= 100
    # a short shared phrase is not copying
    texts["b"] = "全年工作回顾：\n" + b[:60] + "另外的内容完全不同，我们开展了很多别的工作和活动。" * 3
    assert run([], docs, texts).query("type == 'copied_text'").empty


@pytest.mark.parametrize("chunk", [1, 50, 10**6])
def test_seed_pairs_are_every_pair_of_one_k_gram_in_two_documents(chunk):
    from pipeline.copied import _seed_pairs

    rng = np.random.default_rng(chunk)
    n = 40
    h = rng.integers(0, 300, 2000).astype(np.uint64)
    d = rng.integers(0, n, 2000).astype(np.int32)
    p = rng.integers(0, 5000, 2000).astype(np.int32)
    o = np.lexsort((p, d, h))
    h, d, p = h[o], d[o], p[o]
    want = sorted((int(d[i]), int(p[i]), int(d[j]), int(p[j]))
                  for i in range(len(h)) for j in range(i + 1, len(h))
                  if h[i] == h[j] and d[i] != d[j])
    chunks = [list(zip(*(x.tolist() for x in c))) for c in _seed_pairs(h, d, p, n, chunk)]
    assert sorted(x for c in chunks for x in c) == want
    docs_a = [{x[0] for x in c} for c in chunks]  # a document a's pairs are in one chunk
    assert all(not (a & b) for i, a in enumerate(docs_a) for b in docs_a[i + 1:])
    assert len(chunks) > 1 or chunk == 10**6
