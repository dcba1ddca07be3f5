"""Units (the committees that report): the roster, and matching documents to it.

The roster CSV has columns ``unit_id, unit_name, parent_id, level`` and optionally
``aliases`` (alternative names separated by ``|``).  A document is matched to a roster unit
by its ``reporting_unit`` (exact name, then alias, then the name with common suffixes
stripped, then fuzzy similarity), then by names contained in its title or source file
name.  Without a roster, units are made from the documents' own metadata.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from rapidfuzz import fuzz, process

ROSTER_COLUMNS = ["unit_id", "unit_name", "parent_id", "level", "aliases"]

# Longest first: stripped repeatedly from the end of a name before comparing.
_SUFFIXES = sorted([
    "关心下一代工作委员会", "关心下一代工作委", "关心下一代委员会", "关心下一代工作领导小组",
    "关工委员会", "关工委", "工作委员会", "委员会", "领导小组", "办公室", "党委", "党组",
    "人民政府", "政府", "关工小组",
], key=len, reverse=True)
_PREFIXES = ("中国共产党", "中共")
_SPACE = re.compile(r"[\s\u3000·•]+")
_BRACKETS = re.compile(r"[（(]([^）)]*)[）)]")

#: Minimum rapidfuzz ratio (0-100) between stripped names for a fuzzy match.
FUZZY_THRESHOLD = 85.0


def text_or_none(v) -> str | None:
    """A non-empty string, or None for None/NaN/blank cells."""
    if v is None or (isinstance(v, float) and v != v):
        return None
    v = str(v).strip()
    return v or None


def core_name(name: str | None) -> str:
    """A unit name without spaces, party prefixes and committee suffixes (甲县关工委 -> 甲县)."""
    name = text_or_none(name)
    if not name:
        return ""
    s = _SPACE.sub("", str(name))
    s = _BRACKETS.sub(r"\1", s)
    for p in _PREFIXES:
        if s.startswith(p) and len(s) > len(p) + 1:
            s = s[len(p):]
    changed = True
    while changed:
        changed = False
        for suf in _SUFFIXES:
            if s.endswith(suf) and len(s) > len(suf) + 1:
                s = s[: -len(suf)]
                changed = True
                break
    return s


def read_roster(path: str | Path) -> pd.DataFrame:
    """Read a roster CSV (UTF-8, UTF-8 with BOM or GB18030) into the roster columns."""
    raw = Path(path).read_bytes()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValueError(f"{path}: cannot decode roster (not UTF-8 or GB18030)")
    import io

    df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    df.columns = [c.strip().lower() for c in df.columns]
    missing = {"unit_id", "unit_name"} - set(df.columns)
    if missing:
        raise ValueError(f"{path}: roster lacks column(s) {', '.join(sorted(missing))}")
    return normalise_roster(df)


def normalise_roster(df: pd.DataFrame) -> pd.DataFrame:
    """Give a roster frame the canonical columns and types (empty strings become null)."""
    df = df.copy()
    for c in ROSTER_COLUMNS:
        if c not in df.columns:
            df[c] = None
    df = df[ROSTER_COLUMNS].astype(object)
    for c in ROSTER_COLUMNS:
        df[c] = pd.Series([text_or_none(v) for v in df[c]], index=df.index, dtype=object)
    df["unit_id"] = df["unit_id"].astype(str)
    if df["unit_id"].duplicated().any():
        dup = df.loc[df["unit_id"].duplicated(), "unit_id"].iloc[0]
        raise ValueError(f"roster: duplicate unit_id {dup}")
    return df.reset_index(drop=True)


@dataclass
class _Index:
    """Lookup structures over the roster names."""

    exact: dict[str, str]      # full name -> unit_id
    alias: dict[str, str]      # alias -> unit_id
    core: dict[str, str]       # stripped name or alias -> unit_id (ambiguous ones dropped)
    choices: list[str]         # stripped names for fuzzy matching
    choice_ids: list[str]
    parent_core: dict[str, str]  # unit_id -> stripped parent name
    id_pattern: re.Pattern | None  # unit_ids (3+ characters) as tokens of a file name

    def __post_init__(self) -> None:
        self.core_rank = {c: i for i, c in enumerate(self.core)}  # the roster's order
        self.core_lengths = sorted({len(c) for c in self.core})


def _build_index(roster: pd.DataFrame) -> _Index:
    exact, alias, core, seen = {}, {}, {}, {}
    choices, choice_ids = [], []
    names = dict(zip(roster["unit_id"], roster["unit_name"]))
    for uid, name, aliases in zip(roster["unit_id"], roster["unit_name"], roster["aliases"]):
        name, aliases = text_or_none(name), text_or_none(aliases)
        forms = [name] if name else []
        if name:
            exact.setdefault(_SPACE.sub("", name), uid)
        for a in (aliases or "").split("|"):
            a = _SPACE.sub("", a)
            if a:
                alias.setdefault(a, uid)
                forms.append(a)
        for f in forms:
            c = core_name(f)
            if len(c) < 2:
                continue
            seen.setdefault(c, set()).add(uid)
            choices.append(c)
            choice_ids.append(uid)
    for c, ids in seen.items():
        if len(ids) == 1:
            core[c] = next(iter(ids))
    parent_core = {uid: core_name(names.get(pid)) for uid, pid in
                   zip(roster["unit_id"], roster["parent_id"]) if pid}
    ids = sorted((u for u in roster["unit_id"] if len(u) >= 3), key=len, reverse=True)
    pattern = re.compile(r"(?<![A-Za-z0-9])(" + "|".join(map(re.escape, ids)) + r")(?![A-Za-z0-9])"
                         ) if ids else None
    return _Index(exact, alias, core, choices, choice_ids, parent_core, pattern)


def _match_name(name: str, idx: _Index) -> tuple[str | None, str, float]:
    """Match a stated unit name: (unit_id, how, score)."""
    s = _SPACE.sub("", name)
    if s in idx.exact:
        return idx.exact[s], "exact", 100.0
    if s in idx.alias:
        return idx.alias[s], "alias", 100.0
    c = core_name(s)
    if c in idx.core:
        return idx.core[c], "stripped", 100.0
    if c and idx.choices:
        hit = process.extractOne(c, idx.choices, scorer=fuzz.ratio,
                                 score_cutoff=FUZZY_THRESHOLD)
        if hit is not None:
            return idx.choice_ids[hit[2]], "fuzzy", float(hit[1])
    return None, "none", 0.0


def _contained(s: str, idx: _Index) -> list[str]:
    """The roster's stripped names that occur in ``s``, in the roster's order: each
    substring of a length some name has is looked up (the work grows with the text, not
    with the roster)."""
    found = {s[i:i + n] for n in idx.core_lengths for i in range(len(s) - n + 1)}
    return sorted((c for c in found if c in idx.core), key=idx.core_rank.__getitem__)


def _match_contained(text: str, idx: _Index) -> tuple[str | None, str, float]:
    """Find the most specific roster name inside a longer text (a title, a file name).

    Chinese unit names run from the larger area to the smaller one (某县某镇), so the
    contained name ending last wins; a candidate whose parent is also named is preferred.
    """
    s = _SPACE.sub("", text or "")
    if not s:
        return None, "none", 0.0
    best, best_key = None, None
    for c in _contained(s, idx):
        uid, pos = idx.core[c], s.rfind(c)
        parent = idx.parent_core.get(uid, "")
        key = (pos + len(c), bool(parent) and parent in s[:pos], len(c))
        if best_key is None or key > best_key:
            best, best_key = uid, key
    if best is None:
        return None, "none", 0.0
    return best, "contained", 90.0


def match_documents(docs: pd.DataFrame, roster: pd.DataFrame) -> pd.DataFrame:
    """Match documents (doc_id, reporting_unit, title, source) to roster units.

    Returns doc_id, unit_id (null when unmatched), matched_by (exact|alias|stripped|fuzzy|
    contained|file_id|none) and score (0-100).  ``file_id``: the file name holds the unit_id
    as a token (anonymised reports, XX镇, can only be matched that way).
    """
    idx = _build_index(roster)
    rows = []
    for doc_id, ru, title, source in zip(docs["doc_id"], docs["reporting_unit"],
                                         docs["title"], docs["source"]):
        ru, title, source = text_or_none(ru), text_or_none(title), text_or_none(source)
        uid, how, score = (None, "none", 0.0)
        if ru:
            uid, how, score = _match_name(str(ru), idx)
        stem = Path(str(source or "")).stem
        for text in (ru, title, stem):
            if uid is None and text:
                uid, how, score = _match_contained(str(text), idx)
        if uid is None and stem:  # files named by unit code: "u00081_2023.txt", "A03-总结.docx"
            m = idx.id_pattern.search(stem) if idx.id_pattern else None
            uid = m.group(1) if m else None
            how, score = ("file_id", 100.0) if uid else ("none", 0.0)
        rows.append((doc_id, uid, how, score))
    return pd.DataFrame(rows, columns=["doc_id", "unit_id", "matched_by", "score"])


def units_from_metadata(docs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Without a roster: one unit per distinct stripped ``reporting_unit``.

    Returns (units with the roster columns, doc matches as in :func:`match_documents`).
    The unit_id is the stripped name; the unit_name the most frequent full form.
    """
    rows, units = [], {}
    for doc_id, ru, level in zip(docs["doc_id"], docs["reporting_unit"], docs["level"]):
        ru, level = text_or_none(ru), text_or_none(level)
        c = core_name(ru)
        if not c:
            rows.append((doc_id, None, "none", 0.0))
            continue
        u = units.setdefault(c, {"names": {}, "levels": {}})
        u["names"][ru] = u["names"].get(ru, 0) + 1
        if level and level != "unknown":
            u["levels"][level] = u["levels"].get(level, 0) + 1
        rows.append((doc_id, c, "metadata", 100.0))

    def top(counts: dict) -> str | None:
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0] if counts else None

    table = pd.DataFrame(
        [(c, top(u["names"]), None, top(u["levels"]), None) for c, u in sorted(units.items())],
        columns=ROSTER_COLUMNS)
    return table, pd.DataFrame(rows, columns=["doc_id", "unit_id", "matched_by", "score"])


def descendants(roster: pd.DataFrame) -> dict[str, list[str]]:
    """unit_id -> all descendant unit_ids (any depth), cycle-safe."""
    kids: dict[str, list[str]] = {}
    for uid, pid in zip(roster["unit_id"], roster["parent_id"]):
        if pid:
            kids.setdefault(pid, []).append(uid)
    out: dict[str, list[str]] = {}
    for uid in roster["unit_id"]:
        seen, stack = [], list(kids.get(uid, []))
        while stack:
            k = stack.pop()
            if k in seen or k == uid:
                continue
            seen.append(k)
            stack.extend(kids.get(k, []))
        out[uid] = sorted(seen)
    return out


def children_of(roster: pd.DataFrame) -> dict[str, list[str]]:
    """unit_id -> direct child unit_ids."""
    kids: dict[str, list[str]] = {uid: [] for uid in roster["unit_id"]}
    for uid, pid in zip(roster["unit_id"], roster["parent_id"]):
        if pid and pid in kids and pid != uid:
            kids[pid].append(uid)
    return kids


def build_units(roster: pd.DataFrame | None, docs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The units table of the contract and the per-document matches.

    ``docs`` needs doc_id, reporting_unit, title, source, level, relevant.  Only relevant
    documents count toward ``n_documents``/``has_report``; all documents are matched.
    """
    if roster is not None and len(roster):
        table = normalise_roster(roster)
        matches = match_documents(docs, table)
        matched_by = "roster"
    else:
        table, matches = units_from_metadata(docs)
        matched_by = "metadata"
    rel = docs.set_index("doc_id")["relevant"].astype(bool)
    m = matches[matches["unit_id"].notna() & matches["doc_id"].map(rel).fillna(False).astype(bool)]
    counts = m.groupby("unit_id").size()
    units = table[["unit_id", "unit_name", "parent_id", "level"]].copy()
    units["n_documents"] = units["unit_id"].map(counts).fillna(0).astype(int)
    units["matched_by"] = matched_by
    units["has_report"] = units["n_documents"] > 0
    return units.reset_index(drop=True), matches
