"""The consolidated view of one ``ngreport run``: what the renderers and exports read.

A :class:`Consolidation` is a bundle of tidy pandas DataFrames (one row per unit, per
document, per quantity mention, per aggregate cell, per gap, per problem, per flag) plus
a small ``run`` dict.  Text columns are already privacy-masked (children's names) unless
the user asked for ``--show-names``; renderers print what they are given.
"""
from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import details, summaries
from pipeline.forked import Deferred
from pipeline.masking import mask_frame, masker
from pipeline.spill import Spilled
from pipeline.staging import Stager
from pipeline.summaries import Summaries
from pipeline.store_reads import (Texts, read_frame, report_clause_chunks, rows_of, sql_list,
                                   temp_table)

#: Column order of every table (the contract shared with the renderers and exports).
COLUMNS: dict[str, list[str]] = {
    "units": ["unit_id", "unit_name", "parent_id", "level", "n_documents", "matched_by",
              "has_report"],
    "documents": ["doc_id", "source", "article", "unit_id", "unit_name", "level", "year",
                  "doc_type", "relevant", "title", "reporting_unit", "issued", "n_quantities",
                  "categories"],
    "quantities": ["doc_id", "unit_id", "year", "doc_type", "text", "value", "low", "high",
                   "unit", "kind", "approx", "redacted", "subject", "role", "category",
                   "source", "start", "end", "period", "q_index", "sentence_text",
                   "sentence_start", "locator"],
    "aggregates": ["unit_id", "year", "category", "kind", "scope", "exact_sum", "low_sum",
                   "high_sum", "n_exact", "n_approx", "n_redacted"],
    "gaps": ["unit_id", "gap_type", "item", "detail"],
    "problems": ["unit_id", "theme", "text", "doc_id", "start", "end"],
    "flags": ["doc_id", "unit_id", "type", "severity", "message", "evidence", "source",
              "start", "end", "sentence_text"],
    "unmatched": ["doc_id", "source", "reporting_unit"],
}

GAP_TYPES = ("plan_item_uncovered", "missing_metric", "target_unmet", "missing_submission")


def empty_frame(name: str) -> pd.DataFrame:
    """An empty DataFrame with the contract columns of table ``name``."""
    return pd.DataFrame({c: pd.Series(dtype="object") for c in COLUMNS[name]})


def conform(df: pd.DataFrame | None, name: str) -> pd.DataFrame:
    """Return ``df`` with exactly the contract columns (missing ones added as null)."""
    if df is None or len(df.columns) == 0:
        return empty_frame(name)
    df = df.copy(deep=False)  # columns are added to the copy only; the data is not copied
    for c in COLUMNS[name]:
        if c not in df.columns:
            df[c] = None
    extra = [c for c in df.columns if c not in COLUMNS[name]]
    return df[COLUMNS[name] + extra].reset_index(drop=True)


@dataclass
class Consolidation:
    units: pd.DataFrame = field(default_factory=lambda: empty_frame("units"))
    documents: pd.DataFrame = field(default_factory=lambda: empty_frame("documents"))
    quantities: pd.DataFrame = field(default_factory=lambda: empty_frame("quantities"))
    aggregates: pd.DataFrame = field(default_factory=lambda: empty_frame("aggregates"))
    gaps: pd.DataFrame = field(default_factory=lambda: empty_frame("gaps"))
    problems: pd.DataFrame = field(default_factory=lambda: empty_frame("problems"))
    flags: pd.DataFrame = field(default_factory=lambda: empty_frame("flags"))
    unmatched: pd.DataFrame = field(default_factory=lambda: empty_frame("unmatched"))
    run: dict[str, Any] = field(default_factory=dict)
    #: ``detail(name, keep=None)`` yields every row of a table of
    #: :data:`pipeline.details.STREAMED` as Arrow tables, a batch at a time (set by
    #: :func:`build`; usable while its store is open), and writes its first rows to the file
    #: ``keep`` (:func:`pipeline.details.detail_tables`); the tables above may hold only the
    #: first :data:`pipeline.details.DETAIL_ROWS` rows of them (see :meth:`counts`).
    detail: Callable[..., Iterator[Any]] | None = field(default=None, repr=False,
                                                        compare=False)
    #: ``heads(names, kept)`` gives those first rows (table name -> frame) of the tables
    #: ``names`` when :func:`build` left them in the store, from the files ``kept`` (table
    #: name -> path) where :meth:`stream` kept them; :meth:`read_heads` reads them.
    heads: Callable[[set, dict], dict] | None = field(default=None, repr=False, compare=False)
    #: The folder where :meth:`stream` keeps first rows until :meth:`read_heads` (set by
    #: :func:`build`: the store's; else the system's temporary folder).
    scratch: Path | None = field(default=None, repr=False, compare=False)
    #: Totals and the first lines of each group over the whole per-unit tables (set by
    #: :func:`build`, from the store; else made from the tables here when first asked for).
    summary: Summaries | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        for f in fields(self):
            if f.name in COLUMNS:
                setattr(self, f.name, conform(getattr(self, f.name), f.name))
        self._unread = set(details.STREAMED if self.heads is not None else ())
        self._kept: dict[str, Path] = {}
        self._spool: tempfile.TemporaryDirectory | None = None

    def read_heads(self) -> None:
        """Read the first rows of the tables :func:`build` left in the store (its ``heads``),
        from the files where :meth:`stream` kept them, or else from the store; e.g. once the
        Parquet export's sort no longer needs the room."""
        if self.heads is not None:
            for name, frame in self.heads(self._unread, self._kept).items():
                setattr(self, name, conform(frame, name))
            self.heads = None
            self._unread.clear()
        if self._spool is not None:
            self._spool.cleanup()
            self._spool, self._kept = None, {}

    def stream(self, name: str) -> Iterator[Any]:
        """Every row of table ``name`` from the store (:attr:`detail`); while its first rows
        are unread, they are kept on the way in a file in :attr:`scratch`, for
        :meth:`read_heads` to read instead of the store."""
        if self.heads is None or name not in self._unread:
            return self.detail(name)
        return self._keeping(name)

    def _keeping(self, name: str) -> Iterator[Any]:
        if self._spool is None:
            self._spool = tempfile.TemporaryDirectory(dir=self.scratch, prefix=".heads-")
        path = Path(self._spool.name) / f"{name}.arrow"
        yield from self.detail(name, keep=path)
        self._kept[name] = path  # (a stream that fails part-way keeps nothing)

    def summaries(self) -> Summaries:
        """What the outputs say about the whole aggregates, gaps and problems
        (:mod:`pipeline.summaries`)."""
        if self.summary is None:
            self.summary = summaries.of_frames(self.aggregates, self.gaps, self.problems)
        return self.summary

    def counts(self) -> dict[str, Any]:
        """Counts over every quantity and flag of the run: ``quantities``, ``approx``,
        ``redacted``, ``targets`` (role target or plan), ``flags`` and ``flag_types`` (type ->
        count, most frequent first), and the rows of ``aggregates``, ``gaps`` and
        ``problems``; from the store when built from one, since the tables may hold only
        their first rows."""
        q, f, c = self.quantities, self.flags, self.run.get("counts")
        if c:
            out = {**c, "flags": sum(c["flag_types"].values())}
        else:
            yes = lambda col: int(q[col].fillna(False).astype(bool).sum()) if len(q) else 0  # noqa: E731
            out = {"quantities": len(q), "approx": yes("approx"), "redacted": yes("redacted"),
                   "targets": int(q["role"].astype(str).isin(["target", "plan"]).sum()),
                   "flags": len(f), **{name: len(getattr(self, name))
                                       for name in ("aggregates", "gaps", "problems")}}
        types = (f["type"].value_counts().items() if len(f) >= out["flags"] else
                 sorted(c["flag_types"].items(), key=lambda kv: -kv[1]))
        out["flag_types"] = {t: int(n) for t, n in types}
        return out

    def shown(self, name: str) -> str | None:
        """A note for the readers of table ``name`` when it holds only the first rows."""
        total = self.counts()[name]
        held = len(getattr(self, name))
        if held >= total:
            return None
        return (f"仅列出其中{held}条（共{total}条）；完整明细见 data/{name}.parquet"
                " 或 ngreport.duckdb。")

    @classmethod
    def empty(cls) -> "Consolidation":
        return cls(run={"run_id": None, "started": None, "finished": None, "n_files": 0,
                        "n_documents": 0, "n_failed": 0, "inputs": []})

    @classmethod
    def example(cls) -> "Consolidation":
        """A tiny but complete consolidation (for renderer tests):
        :mod:`pipeline.example_consolidation`."""
        from pipeline.example_consolidation import example

        return example()


# --- building a Consolidation from the store ----------------------------------------------


def _join(v) -> str:
    import json

    try:
        cats = json.loads(v) if isinstance(v, str) else []
    except ValueError:
        cats = []
    return "、".join(str(c) for c in cats or [])


def _duplicates(docs: pd.DataFrame, texts: Mapping[str, str | None]) -> list:
    """For each document (``docs``: doc_id and text_key, in doc_id order), the first
    document with the same text once whitespace is removed (the same report sent twice,
    e.g. as .txt and .docx), else None.  Documents stored without a key have it made from
    their text."""
    from pipeline.rows import text_key

    first: dict[str, str] = {}
    out = []
    for doc_id, key in zip(docs["doc_id"].tolist(), docs["text_key"].tolist()):
        key = key if isinstance(key, str) else text_key(texts[doc_id])
        out.append(first.get(key))
        first.setdefault(key, doc_id)
    return out


def build(store, show_names: bool = False, run: dict | None = None,
          workers: int = 1, heads: bool = True) -> "Consolidation":
    """Recompute the derived tables from the store's current rows and return the
    (masked unless ``show_names``) consolidation.  Derived tables are written back.
    With ``workers`` > 1, plan coverage and (up to ``subtree_checks.FORK_FIGURES``
    figures) the checks of figures are computed in forked children, one after the other,
    beside the copied-passage search, the aggregates and the gap lists (same result).
    Without ``heads`` the first rows of quantities and flags (and of the per-unit tables)
    are read later (:meth:`Consolidation.read_heads`, while the store is open)."""
    from pipeline import aggregate, gaps, subtree_checks
    from pipeline.store import SCAN_MEMORY_LIMIT
    from pipeline.units import build_units, normalise_roster

    cur = ("d.sha256 IN (SELECT sha256 FROM files WHERE NOT superseded AND role = '{}' "
           "AND status IN ('ok', 'duplicate'))")
    docs = read_frame(store, "SELECT d.* EXCLUDE (text) FROM documents d WHERE NOT "
                      f"d.superseded AND {cur.format('report')} AND NOT {cur.format('plan')} "
                      "ORDER BY d.doc_id")
    plan = store.df(f"SELECT d.* FROM documents d WHERE NOT d.superseded AND {cur.format('plan')}"
                    " ORDER BY d.doc_id")
    docs["duplicate_of"] = _duplicates(docs, Texts(store, docs["doc_id"]))
    docs = docs.drop(columns="text_key")
    counted = docs["relevant"].astype(bool) & docs["duplicate_of"].isna()
    roster = store.table("roster")
    units, matches = build_units(normalise_roster(roster) if len(roster) else None,
                                 docs.assign(relevant=counted))
    del roster
    docs = docs.merge(matches[["doc_id", "unit_id"]], on="doc_id", how="left")
    by_id = units.set_index("unit_id")
    docs["unit_name"] = docs["unit_id"].map(by_id["unit_name"])
    level = docs["unit_id"].map(by_id["level"]).astype(object)  # all-NaN when no unit has one
    docs["level"] = level.fillna(docs["level"].astype(object))
    del by_id, level
    docs["categories"] = docs["categories"].map(_join)
    counted = counted.to_numpy()  # (docs keeps its rows' order through the merge)
    details.register_meta(store, docs[["doc_id", "unit_id", "year", "doc_type", "source",
                                       "relevant"]].assign(counted=counted))

    # the checks below read a few of the documents' columns: slim copies, not whole ones
    year, gdocs = _focus(docs.loc[counted & docs["unit_id"].notna().to_numpy(),
                                  ["doc_id", "unit_id", "year"]], plan)
    fn = (lambda s: s) if show_names else masker(set(store.df(
        "SELECT DISTINCT substr(d.text, c.start + 1, c.\"end\" - c.start) AS name FROM "
        "child_names c JOIN documents d USING (doc_id) WHERE NOT d.superseded")["name"]))
    cross_docs = docs.loc[counted, ["doc_id", "unit_id", "source", "reporting_unit"]]
    # the whole documents wait on disk until the tables below are made: at 100,000 reports
    # they took 95 MB beside every one of those steps' peaks
    spilled = Spilled(docs, store.path.parent)
    del docs
    # the per-unit tables go to the store as they are made, a chunk of units at a time
    with Stager(store) as stager:  # dropped if the build fails before it is copied
        gap_sink = lambda f: stager.add("gaps", mask_frame(f, fn))  # noqa: E731
        # plan coverage's reads are filtered scans: DuckDB capped, as for the gap lists below
        coverage = figures = None
        if len(plan) and workers > 1:  # a forked child scores it beside the copy search
            with store.capped(SCAN_MEMORY_LIMIT):
                coverage = _coverage(plan, gdocs, store, fork=True, lazy=False)
        # the copied passages next, while the build holds least (at 100,000 reports the
        # passes of shared fingerprints, after the per-unit tables, were its peak: 930 MB)
        subtree_checks.stored_copies(cross_docs, store, stager)
        del cross_docs
        if workers > 1:  # a forked child checks figures beside the aggregates and gap lists,
            if coverage is not None:  # once plan coverage's child has ended (229 MB at
                coverage[0].result()  # 2,000 reports: one such child at a time)
            figures = subtree_checks.forked_figure_flags(units, store)
        # the aggregates' sums fit the scan cap too (at 100,000 reports: 109 MB less at their
        # peak, in the same 21 s; 64 MB ran out of memory)
        with store.capped(SCAN_MEMORY_LIMIT):
            if len(plan) and coverage is None:  # made as the gap lists read it
                coverage = _coverage(plan, gdocs, store, fork=False)
            aggregate.stored_aggregates(store, units,
                                        sink=lambda f: stager.add("aggregates", f))
        store.reattach()  # the metadata of the row groups the aggregates read
        with store.capped(SCAN_MEMORY_LIMIT):
            pending, plan_info = _gap_lists(gdocs, units, plan, store, coverage, gap_sink)
        if figures is None:
            subtree_checks.stored_figure_flags(units, store, stager)
        else:
            stager.add("flags", figures.result())
        if pending is not None:
            gap_sink(pending.result())
        temp_table(store, "cur_units", units[["unit_id", "unit_name"]])
        themes = mask_frame(read_frame(store, gaps.THEMES.format(p=f"({details.PROBLEMS})",
                                                                 n="cur_units")), fn)
        store.replace_derived({"units": units, "doc_units": matches, "problem_themes": themes},
                              stager, {"aggregates": aggregate.ORDER, "gaps": _GAP_ORDER})
    counts = {**details.counts(store), **details.table_counts(store)}
    docs = spilled.load()
    unmatched = docs[docs["unit_id"].isna()][["doc_id", "source", "reporting_unit"]]
    run = dict(run or {})
    run.setdefault("plan", plan_info)
    run.setdefault("year", year)
    run["counts"] = counts

    def detail(name: str, keep=None):
        """Every row of ``name`` (one of :data:`details.STREAMED`), masked, as Arrow tables."""
        return details.detail_tables(store, name, fn, keep=keep)

    def first_rows(names, kept) -> dict[str, pd.DataFrame]:
        return {name: details.read_kept(kept[name], fn) if name in kept else
                mask_frame(details.head(store, name, details.DETAIL_ROWS), fn)
                for name in names}

    ordered = "(SELECT *, rowid AS _row FROM {})"
    summary = summaries.of_store(store, {
        "aggregates": ordered.format("aggregates"), "gaps": ordered.format("gaps"),
        "problems": f"(SELECT *, row_number() OVER (ORDER BY doc_id, idx) AS _row "
                    f"FROM ({details.PROBLEMS}))"}, fn)
    cons = Consolidation(units=units, documents=mask_frame(docs, fn),
                         unmatched=mask_frame(unmatched, fn), run=run, detail=detail,
                         heads=first_rows, summary=summary, scratch=store.path.parent)
    if heads:
        cons.read_heads()
    return cons


def _focus(rdocs: pd.DataFrame, plan: pd.DataFrame) -> tuple[int | None, pd.DataFrame]:
    """The year the gap lists are for: the plan's year when reports of it exist, else the
    latest year reported; and the reports of it (reports without a year count for any year)."""
    years = pd.to_numeric(rdocs["year"], errors="coerce")
    plan_year = pd.to_numeric(plan["year"], errors="coerce").max() if len(plan) else None
    focus = plan_year if plan_year is not None and (years == plan_year).any() else (
        years.max() if years.notna().any() else None)
    focus = None if focus is None or pd.isna(focus) else int(focus)
    return focus, (rdocs[(years.isna() | (years == focus)).to_numpy()] if focus else rdocs)


#: The gaps table's order: the gap lists in turn, each by unit, a unit's rows as made.
_GAP_ORDER = ("CASE gap_type WHEN 'plan_item_uncovered' THEN 0 WHEN 'target_unmet' THEN 1 "
              "WHEN 'missing_metric' THEN 2 ELSE 3 END, unit_id, _seq")


def _gap_lists(gdocs: pd.DataFrame, units: pd.DataFrame, plan: pd.DataFrame, store,
               coverage: tuple | None, sink) -> tuple[Deferred | None, dict | None]:
    """The four gap lists over the reports of the focus year ``gdocs``, passed to ``sink``
    a frame at a time as they are made; ``coverage`` is :func:`_coverage`'s (None without a
    plan).  Returns plan coverage when a forked child is still computing it, and the
    plan's summary."""
    from pipeline import gaps

    reporting = sorted(set(gdocs["unit_id"]))
    rids = list(gdocs["doc_id"])
    pending, info = None, None
    if len(plan):
        p = plan.iloc[0]
        pq = rows_of(store, "quantities", list(plan["doc_id"]))
        pq = pq[pq["role"] == "target"]
        covered, n_items = coverage
        if isinstance(covered, Deferred):
            pending = covered
        else:
            for frame in covered:
                sink(frame)
        gaps.stored_targets_unmet(store, pq, rids, reporting, sink)
        info = {"source": p["source"], "title": p["title"], "year": None if pd.isna(p["year"])
                else int(p["year"]), "n_items": n_items, "n_targets": len(pq)}
    stated = read_frame(store, "SELECT unit_id, kind, role, redacted, count(*) AS n FROM "
                        f"({details.QUANTITIES}) WHERE counted AND role = 'achieved' AND kind IN "
                        f"({sql_list(gaps.METRICS)}) AND doc_id IN (SELECT unnest(?::VARCHAR[])) "
                        "GROUP BY ALL ORDER BY ALL", [rids])
    sink(gaps.missing_metrics(stated, reporting))
    sink(gaps.missing_submissions(units.assign(has_report=units["unit_id"].isin(reporting))))
    return pending, info


def _coverage(plan: pd.DataFrame, gdocs: pd.DataFrame, store, fork: bool,
              lazy: bool = True) -> tuple | None:
    """Plan coverage of the reports ``gdocs`` (frames of its rows), and the plan's number
    of items.  With ``fork``, the report clauses are read now (when they fit in
    ``KEEP_CHARS`` characters) and scored in a forked child (a Deferred of one frame);
    otherwise (or for a larger corpus, whose clauses are streamed twice from the store) the
    frames are made as they are read, in this process - or, without ``lazy``, None is
    returned and nothing is held (the caller asks again when it needs them)."""
    from pipeline import gaps

    p = plan.iloc[0]
    items = gaps.plan_items(p["text"], rows_of(store, "sections", [p["doc_id"]]),
                            rows_of(store, "activities", [p["doc_id"]]))
    reporting = sorted(set(gdocs["unit_id"]))
    clauses = report_clause_chunks(store, gdocs)  # read twice, a chunk at a time
    if fork and clauses.fits:
        frames = list(clauses())
        return Deferred(gaps.plan_coverage, items, lambda: iter(frames), reporting,
                        fork=True), len(items)
    if not lazy:
        return None
    return gaps.coverage_frames(items, clauses, reporting), len(items)
