"""Gap lists: plan items a unit did not report on, missing metrics, unmet targets,
missing submissions, and self-reported problems grouped by theme.

All functions take plain DataFrames (read from the store) and return DataFrames with the
contract columns ``unit_id, gap_type, item, detail`` (+ ``score`` where it means something).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

import numpy as np
import pandas as pd

from pipeline.textsim import Similarity

GAP_COLUMNS = ["unit_id", "gap_type", "item", "detail", "score"]
#: Cosine similarity (char 2-3-gram TF-IDF) at which an activity covers a plan item.
COVER_THRESHOLD = 0.22
#: Bonus added to the similarity when activity and item share a category.
CATEGORY_BONUS = 0.1
#: Plan coverage reads the report clauses twice (the idf, then the scores); the first
#: chunks' encoded texts, up to this many characters (2 bytes each), are kept for the second.
KEEP_ENCODED = 16_000_000
#: Roles of sections whose activities do not count as done (plans, problems).
NOT_DONE = ("problems", "next_steps")
_ITEM_MARKER = re.compile(
    r"^[ \t\u3000]*(?:[一二三四五六七八九十]{1,3}[、.．]|[（(][一二三四五六七八九十\d]{1,3}[)）]"
    r"|\d{1,2}(?:[、．]|\.(?!\d)))", re.M)
_CLAUSE = re.compile(r"[^。！？；;\n]+")
_MAX_RULES = re.compile(r"以内|以下|不超过|不高于|低于|控制在")
METRICS = {"people": "受益/参与人数", "funds": "经费（元）", "events": "活动场次"}


@dataclass
class PlanItem:
    label: str       # "1. 切实提高思想认识"
    text: str        # the item's text used for matching
    category: str | None
    start: int
    end: int


def plan_items(text: str, sections: pd.DataFrame, activities: pd.DataFrame) -> list[PlanItem]:
    """The numbered items of a plan: leaf sections with a marker (not background/problems).

    Falls back to lines that start with a numbering marker when no such section exists.
    """
    spans: list[tuple[str, int, int]] = []
    if len(sections):
        secs = sections.sort_values("idx")
        parents = set(secs["parent_idx"].dropna().astype(int))
        for row in secs.itertuples(index=False):
            if row.idx in parents or not (row.marker or "").strip():
                continue
            if row.role in ("background", "problems"):
                continue
            head = (row.heading or "").strip()
            marker = (row.marker or "").strip()
            label = head if head.startswith(marker) else f"{marker}{head}"
            spans.append((label, int(row.start), int(row.end)))
    if not spans:
        marks = [m.start() for m in _ITEM_MARKER.finditer(text)]
        for a, b in zip(marks, marks[1:] + [len(text)]):
            line = text[a:b].strip().split("\n", 1)[0]
            spans.append((line, a, b))
    items = []
    for label, a, b in spans:
        label = re.sub(r"\s+", " ", label).strip()
        label = re.split(r"(?<=[。！？])", label, maxsplit=1)[0][:60]
        body = text[a:b][:400]
        cat = None
        if len(activities):
            inside = activities[(activities["start"] >= a) & (activities["start"] < b)]
            cats = inside["category"].dropna()
            cats = cats[~cats.isin(["other", "其他"])]
            if len(cats):
                cat = cats.value_counts().sort_index().idxmax()
        items.append(PlanItem(label, body, cat, a, b))
    return items


def report_clauses(docs: pd.DataFrame, activities: pd.DataFrame,
                   sections: pd.DataFrame | None = None) -> pd.DataFrame:
    """What each unit reports having done: activity clauses outside problems/next-steps
    sections, or — for a document without activities — its clauses outside those sections.
    Returns unit_id, doc_id, text, category."""
    parts = []
    have = set(activities["doc_id"].unique()) if len(activities) else set()
    if len(activities):  # one filter (the text column is long): done, of a unit, not empty
        unit = activities["doc_id"].map(dict(zip(docs["doc_id"], docs["unit_id"])))
        keep = (~activities["section_role"].isin(NOT_DONE) & unit.notna()
                & activities["text"].fillna("").str.len().gt(0)).to_numpy()
        done = activities if keep.all() else activities.loc[keep]  # taking long texts costs
        parts.append(pd.DataFrame({"unit_id": unit.to_numpy()[keep], "doc_id": done["doc_id"],
                                   "text": done["text"], "category": done["category"]}))
    skip: dict[str, list[tuple[int, int]]] = {}
    if sections is not None and len(sections):
        bad = sections[sections["role"].isin(NOT_DONE) & ~sections["doc_id"].isin(have)]
        for d, a, b in zip(bad["doc_id"], bad["start"], bad["end"]):
            skip.setdefault(d, []).append((int(a), int(b)))
    rows = []
    for doc_id, unit_id, text in zip(docs["doc_id"], docs["unit_id"], docs["text"]):
        if doc_id in have or not isinstance(text, str):
            continue
        spans = skip.get(doc_id, [])
        rows.extend((unit_id, doc_id, m.group().strip(), None) for m in _CLAUSE.finditer(text)
                    if len(m.group().strip()) >= 6
                    and not any(a <= m.start() < b for a, b in spans))
    bare = pd.DataFrame(rows, columns=["unit_id", "doc_id", "text", "category"])
    parts.append(bare[bare["unit_id"].notna() & bare["text"].fillna("").str.len().gt(0)])
    return pd.concat([p for p in parts if len(p)], ignore_index=True) if any(
        len(p) for p in parts) else parts[-1]


def _probes(item: PlanItem) -> list[str]:
    """The item's heading and its first clauses: each is compared with report clauses."""
    parts = [m.group().strip() for m in _CLAUSE.finditer(item.text)]
    parts = [p for p in parts if len(re.findall(r"[\u4e00-\u9fff]", p)) >= 4]
    return [item.label] + parts[:8]


def plan_coverage(items: list[PlanItem], clauses, unit_ids: list[str]) -> pd.DataFrame:
    """One ``plan_item_uncovered`` row per (unit, item) with no similar enough activity;
    ``detail`` names the best near-miss (its first clause in report order) and its score.

    ``clauses`` (unit_id, doc_id, text, category; :func:`report_clauses`) is a DataFrame, or
    a function returning a fresh iterator of such frames in report order: it is called
    twice (the idf, then the scores), so the clauses are never all held.  When the function's
    ``by_unit`` is true (each unit's clauses all in one frame), a unit's rows are made once
    its frame is scored, so only one frame's units are held."""
    frames = [f for f in coverage_frames(items, clauses, unit_ids) if len(f)]
    if not frames:
        return pd.DataFrame(columns=GAP_COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values("unit_id", kind="stable").reset_index(drop=True)


def coverage_frames(items: list[PlanItem], clauses, unit_ids: list[str]):
    """:func:`plan_coverage`'s rows as frames, as they are made (each unit's rows in one
    frame, in item order; the frames not in unit order)."""
    if not items or not unit_ids:
        return
    chunks = clauses if callable(clauses) else (lambda: iter([clauses]))
    probes = [(j, p) for j, it in enumerate(items) for p in _probes(it)]
    sim = Similarity([p for _, p in probes], [j for j, _ in probes])
    kept: list = []  # the first chunks' encoded texts, up to KEEP_ENCODED characters

    def encoded():
        held = 0
        for c in chunks():
            e = sim.encode(c["text"].tolist())
            held += e.chars
            if held <= KEEP_ENCODED:
                kept.append(e)
            yield e

    sim.fit(encoded())
    wanted, by_unit = set(unit_ids), bool(getattr(clauses, "by_unit", False))
    top: dict[str, np.ndarray] = {}    # per unit: the best score per item so far
    near: dict[str, list[str]] = {}    # per unit: where each best score was first met
    for i, c in enumerate(chunks()):
        if len(c):
            texts = kept[i] if i < len(kept) else c["text"].tolist()
            _best_per_unit(items, c, sim.best(texts), top, near)
        if by_unit:  # these units are complete
            yield pd.DataFrame(_uncovered(items, top, near, wanted & set(top)),
                               columns=GAP_COLUMNS)
            wanted -= set(top)
            top, near = {}, {}
    # the rest, and units without a clause
    yield pd.DataFrame(_uncovered(items, top, near, wanted), columns=GAP_COLUMNS)


def _uncovered(items: list[PlanItem], top: dict, near: dict, units: set) -> list[tuple]:
    """Rows of the items each unit of ``units`` has no similar enough activity for (with
    its best scores ``top`` and their clauses ``near``; a unit without them has none)."""
    rows = []
    for uid in sorted(units):
        for j, it in enumerate(items):
            if uid in top and top[uid][j] >= COVER_THRESHOLD:
                continue
            if uid in top:
                score = round(float(top[uid][j]), 3)
                detail = f"最接近：{near[uid][j]}（相似度 {score:.2f}）"
            else:
                score, detail = 0.0, "报告中未找到可比对的工作内容"
            rows.append((uid, "plan_item_uncovered", it.label, detail, score))
    return rows


def _best_per_unit(items: list[PlanItem], clauses: pd.DataFrame, sims: np.ndarray,
                   top: dict[str, np.ndarray], near: dict[str, list[str]]) -> None:
    """Fold one chunk of clauses (in report order) and their similarities into ``top`` and
    ``near``: a score replaces the unit's best only when higher, so ties keep the first."""
    cats = clauses["category"].to_numpy(dtype=object)
    for j, it in enumerate(items):
        if it.category:
            sims[:, j] += CATEGORY_BONUS * (cats == it.category)
    unit, texts = clauses["unit_id"].to_numpy(dtype=object), clauses["text"].tolist()
    order = np.argsort(pd.factorize(unit, sort=True)[0], kind="stable")
    starts = np.flatnonzero(np.r_[True, unit[order][1:] != unit[order][:-1]])
    best = np.maximum.reduceat(sims[order], starts, axis=0)
    hit = sims[order] == np.repeat(best, np.diff(np.r_[starts, len(order)]), axis=0)
    pos = np.where(hit, np.arange(len(order))[:, None], len(order))
    at = order[np.minimum.reduceat(pos, starts, axis=0)]
    shown = lambda i: texts[i].strip().replace("\n", " ")[:80]  # noqa: E731
    for g, u in enumerate(unit[order][starts]):
        if u not in top:
            top[u], near[u] = best[g].copy(), [shown(i) for i in at[g]]
            continue
        for j in np.flatnonzero(best[g] > top[u]):
            near[u][j] = shown(at[g, j])
        top[u] = np.maximum(top[u], best[g])


def missing_metrics(quantities: pd.DataFrame, unit_ids: list[str]) -> pd.DataFrame:
    """Units whose reports give no achieved people figure, no funds or no event count.
    ``quantities`` may be grouped already, with ``n`` mentions per row."""
    q = quantities[quantities["role"].eq("achieved") & quantities["kind"].isin(list(METRICS))] \
        if len(quantities) else quantities
    red = q["redacted"].astype(bool) if len(q) else pd.Series(dtype=bool)
    stated = set(zip(q.loc[~red, "unit_id"].tolist(), q.loc[~red, "kind"].tolist())) if len(q) else set()
    n = q["n"] if "n" in q.columns else pd.Series(1, index=q.index)
    hidden = n[red].groupby([q.loc[red, "unit_id"], q.loc[red, "kind"]]).sum().to_dict() \
        if len(q) else {}
    rows = []
    for uid in sorted(unit_ids):
        for kind, label in METRICS.items():
            if (uid, kind) in stated:
                continue
            n = hidden.get((uid, kind), 0)
            detail = f"仅有脱敏数字（{n}处），无法统计{label}" if n else f"报告中没有{label}数字"
            rows.append((uid, "missing_metric", kind, detail, None))
    return pd.DataFrame(rows, columns=GAP_COLUMNS)


def _fmt(v: float, unit: str) -> str:
    if unit in ("万元", "亿元", "元"):
        return f"{v:,.0f}元"
    return f"{v:,.0f}{unit}" if float(v).is_integer() else f"{v:,.2f}{unit}"


def _same_subject(a, b) -> int:
    """Length of the longest run of characters two subjects share, if it is telling
    (3+ characters, or all of a 2-character subject such as 五老); else 0."""
    if not (isinstance(a, str) and isinstance(b, str) and a and b):
        return 0
    m = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    n = m.size
    return n if n >= 3 or (n >= 2 and n == min(len(a), len(b))) else 0


def _target_context(t) -> tuple[str, str]:
    """(what the target counts, the words around its number) from its sentence."""
    sent = t.sentence_text if isinstance(t.sentence_text, str) else (t.text or "")
    at = int(t.start - t.sentence_start) if pd.notna(t.sentence_start) and pd.notna(t.start) else 0
    end = at + len(t.text or "")
    before = re.split(r"[，,；;：:]", sent[:at])[-1]
    subject = t.subject if isinstance(t.subject, str) and t.subject else before
    return subject, sent[max(0, at - 8): end + 6]


def _achieved_for(t, kq: pd.DataFrame, subject: str) -> pd.DataFrame:
    """Per unit: the achieved interval (low, high, unit) that answers target ``t``."""
    sims = {x: _same_subject(x, subject) for x in kq["subject"].dropna().unique()}
    sim = kq["subject"].map(sims).fillna(0)
    by_subject = kq[sim > 0].assign(sim=sim[sim > 0])
    if t.kind == "percent":  # a rate: the single best-matching statement
        best = by_subject.sort_values(["unit_id", "sim"], ascending=[True, False])
        return best.drop_duplicates("unit_id").set_index("unit_id")[["low", "high", "unit"]]
    out = by_subject.groupby("unit_id").agg(low=("low", "sum"), high=("high", "sum"),
                                            unit=("unit", "first"))
    if isinstance(t.category, str) and t.category:
        same_cat = kq[(kq["category"] == t.category) & ~kq["unit_id"].isin(out.index)]
        out = pd.concat([out, same_cat.groupby("unit_id").agg(
            low=("low", "sum"), high=("high", "sum"), unit=("unit", "first"))])
    return out


def targets_unmet(targets: pd.DataFrame, achieved: pd.DataFrame, unit_ids: list[str]) -> pd.DataFrame:
    """Plan targets (role target) that a unit's achieved figure of the same kind and the
    same subject (or, for counts, the same category) definitely misses.  An achieved
    interval that straddles the target is not reported."""
    rows = []
    if not len(targets) or not len(achieved):
        return pd.DataFrame(columns=GAP_COLUMNS)
    ach = achieved[achieved["role"].eq("achieved") & ~achieved["redacted"].astype(bool)
                   & achieved["low"].notna() & achieved["high"].notna()
                   & achieved["unit_id"].isin(set(unit_ids))]
    for t in targets.itertuples(index=False):
        goal = t.value if pd.notna(t.value) else t.low
        if pd.isna(goal) or t.redacted:
            continue
        subject, around = _target_context(t)
        is_max = bool(_MAX_RULES.search(around))
        label = (t.sentence_text if isinstance(t.sentence_text, str) else t.text).strip()[:80]
        got = _achieved_for(t, ach[ach["kind"] == t.kind], subject)
        for uid, low, high, unit in zip(got.index, got["low"], got["high"], got["unit"]):
            if (low > goal) if is_max else (high < goal):
                shown = _fmt(low, unit) if low == high else f"{_fmt(low, unit)}～{_fmt(high, unit)}"
                detail = (f"目标：{'不超过' if is_max else '不少于'}{_fmt(goal, t.unit)}；"
                          f"实际：{shown}")
                rows.append((uid, "target_unmet", label, detail, None))
    out = pd.DataFrame(rows, columns=GAP_COLUMNS)
    return out.sort_values(["unit_id", "item"], kind="stable").reset_index(drop=True)


def stored_targets_unmet(store, targets: pd.DataFrame, doc_ids: list[str],
                         unit_ids: list[str], sink=None) -> pd.DataFrame | None:
    """:func:`targets_unmet` over the achieved figures of the store's documents ``doc_ids``
    of the kinds the targets ask, read a chunk of units at a time (every check is within
    one unit).  With ``sink``, each chunk's rows are passed to it as they are made (each
    chunk in unit order) and nothing is returned."""
    from pipeline import details
    from pipeline.store_reads import sql_list
    from pipeline.subtrees import partition

    where = f"role = 'achieved' AND kind IN ({sql_list(set(targets['kind'].dropna()))})"
    columns = ["doc_id", "unit_id", "role", "kind", "redacted", "low", "high", "subject",
               "category", "unit"]
    part = partition({}, details.weights(store, where, doc_ids))
    made = (targets_unmet(targets, q, unit_ids) for _, q in
            details.slim_by_chunk(store, columns, where, part.frame(), doc_ids))
    if sink is not None:
        for f in made:
            sink(f)
        return None
    frames = [f for f in made if len(f)]
    if not frames:
        return pd.DataFrame(columns=GAP_COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(["unit_id", "item"], kind="stable").reset_index(drop=True)


def missing_submissions(units: pd.DataFrame) -> pd.DataFrame:
    """Roster units below the top with no relevant report."""
    if not len(units) or not units["matched_by"].eq("roster").any():
        return pd.DataFrame(columns=GAP_COLUMNS)
    miss = units[~units["has_report"].astype(bool) & units["parent_id"].notna()]
    return pd.DataFrame([(u, "missing_submission", n or u, "花名册中的单位未提交报告", None)
                         for u, n in zip(miss["unit_id"], miss["unit_name"])], columns=GAP_COLUMNS)


#: Problem themes over relations ``{p}`` (theme, unit_id: one row per problem) and ``{n}``
#: (unit_id, unit_name): theme, n_units, n_mentions, units ("、"-joined unit names, in unit
#: order; a unit without a name by its id), most units first.
THEMES = """
WITH t AS (SELECT coalesce(theme, 'other') AS theme, unit_id FROM {p}),
u AS (SELECT DISTINCT theme, unit_id FROM t WHERE unit_id IS NOT NULL),
named AS (SELECT u.theme, count(*) AS n_units, string_agg(coalesce(nullif(n.unit_name, ''),
            u.unit_id), '、' ORDER BY u.unit_id) AS units
          FROM u LEFT JOIN (SELECT DISTINCT ON (unit_id) unit_id, unit_name FROM {n}) n
          USING (unit_id) GROUP BY u.theme)
SELECT theme, coalesce(named.n_units, 0) AS n_units, m.n_mentions,
       coalesce(named.units, '') AS units
FROM (SELECT theme, count(*) AS n_mentions FROM t GROUP BY theme) m LEFT JOIN named USING (theme)
ORDER BY n_units DESC, n_mentions DESC, theme"""


def problem_themes(problems: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """theme, n_units, n_mentions, units ("、"-joined unit names), most units first
    (:data:`THEMES` over the frames)."""
    import duckdb

    if not len(problems):
        return pd.DataFrame(columns=["theme", "n_units", "n_mentions", "units"])
    con = duckdb.connect()
    try:
        con.register("p", pd.DataFrame({"theme": problems["theme"].astype(object),
                                        "unit_id": problems["unit_id"].astype(object)}))
        con.register("n", pd.DataFrame({"unit_id": units["unit_id"].astype(object),
                                        "unit_name": units["unit_name"].astype(object)}))
        return con.execute(THEMES.format(p="p", n="n")).df()
    finally:
        con.close()
