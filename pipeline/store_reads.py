"""Reading the store for the consolidation: result sets as DataFrames through Arrow, and
documents' texts a chunk at a time (:class:`Texts`), so no step holds every text at once.

(Helpers beside :mod:`pipeline.store`, which owns the schema and the writes.)
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping

import pandas as pd


def read_frame(store, sql: str, params: list | None = None) -> pd.DataFrame:
    """``store.df(sql, params)`` through Arrow (several times faster for large results), with
    DuckDB's own dtypes: integer and boolean columns holding NULLs become pandas' nullable
    Int…/boolean columns, as ``DuckDBPyConnection.df()`` makes them."""
    # one chunk per column: taking rows (filters, merges) from a chunked Arrow column is
    # several times slower than from a single array
    return to_frame(store.con.sql(sql, params=params or None).to_arrow_table().combine_chunks())


def rows_of(store, table: str, doc_ids: list[str], cols: str = "*",
            where: str = "TRUE") -> pd.DataFrame:
    """``cols`` of the rows of ``table`` that belong to ``doc_ids`` (and match ``where``), in
    document order (then ``q_index`` or ``idx``)."""
    order = "q_index" if table == "quantities" else "idx"
    return read_frame(store, f'SELECT {cols} FROM "{table}" WHERE doc_id IN '
                      f"(SELECT unnest(?::VARCHAR[])) AND ({where}) ORDER BY doc_id, {order}",
                      [doc_ids])


def sql_list(values) -> str:
    """Values as the inside of a SQL ``IN (…)``: quoted string literals (``NULL`` when there
    are none, which matches nothing)."""
    return ", ".join("'" + str(v).replace("'", "''") + "'" for v in values) or "NULL"


def temp_table(store, name: str, frame: pd.DataFrame) -> None:
    """Store ``frame`` as the connection's temporary table ``name`` (replacing it), for
    queries to join."""
    store.con.register("_temp_table_df", frame)
    try:
        store.con.execute(f'CREATE OR REPLACE TEMP TABLE "{name}" AS SELECT * FROM _temp_table_df')
    finally:
        store.con.unregister("_temp_table_df")


def frames_by(reader, key: str):
    """(value, frame) for each run of equal ``key`` in an Arrow record-batch ``reader``
    sorted by it; each frame (:func:`to_frame`, without ``key``) is built once its run ends,
    so a run, never the whole result, is held."""
    import numpy as np
    import pyarrow as pa

    parts, current = [], None

    def frame():
        return to_frame(pa.Table.from_batches(parts).drop_columns([key]).combine_chunks())

    for batch in reader:
        keys = batch.column(key).to_numpy(zero_copy_only=False)
        edges = [0, *(np.flatnonzero(keys[1:] != keys[:-1]) + 1).tolist(), len(keys)]
        for a, b in zip(edges, edges[1:]):
            if a == b:
                continue
            if parts and keys[a] != current:
                yield current, frame()
                parts = []
            current = keys[a].item() if hasattr(keys[a], "item") else keys[a]
            parts.append(batch.slice(a, b - a))
    if parts:
        yield current, frame()


def to_frame(table) -> pd.DataFrame:
    """An Arrow table or record batch as a DataFrame with :func:`read_frame`'s dtypes."""
    import pyarrow as pa

    df = table.to_pandas()
    nullable = {pa.int8(): pd.Int8Dtype(), pa.int16(): pd.Int16Dtype(), pa.int32(): pd.Int32Dtype(),
                pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype()}
    for f in table.schema:
        if f.type in nullable and table.column(f.name).null_count:
            df[f.name] = table.column(f.name).to_pandas(types_mapper=nullable.get)
    return df


class Texts(Mapping):
    """``documents.text`` by doc_id, read from the store as needed: reading in the order of
    ``doc_ids`` fetches ``chunk`` documents at a time, any other read just the one; at most
    ``keep`` texts are held (the least recently used go), so a pass over every document's
    text never holds them all."""

    def __init__(self, store, doc_ids, chunk: int = 256, keep: int = 1024):
        self.store, self.ids, self.chunk, self.keep = store, list(doc_ids), chunk, keep
        self.pos = {d: i for i, d in enumerate(self.ids)}
        self.cache: OrderedDict[str, str | None] = OrderedDict()
        self.next = 0  # where a sequential reader goes next

    def __getitem__(self, doc_id: str) -> str | None:
        i = self.pos[doc_id]
        if doc_id not in self.cache:
            self._fetch(self.ids[i:i + self.chunk] if i == self.next else [doc_id])
        self.cache.move_to_end(doc_id)
        self.next = i + 1
        return self.cache[doc_id]

    def prefetch(self, doc_ids) -> None:
        """Read these documents now, in one query per ``chunk`` of them."""
        ids = [d for d in dict.fromkeys(doc_ids) if d in self.pos and d not in self.cache]
        for a in range(0, len(ids), self.chunk):
            self._fetch(ids[a:a + self.chunk])

    def _fetch(self, ids: list[str]) -> None:
        found = dict(self.store.con.execute(
            "SELECT doc_id, text FROM documents WHERE doc_id IN (SELECT unnest(?::VARCHAR[]))",
            [ids]).fetchall())
        self.cache.update((d, found.get(d)) for d in ids)
        while len(self.cache) > self.keep:
            self.cache.popitem(last=False)

    def __iter__(self):
        return iter(self.ids)

    def __len__(self) -> int:
        return len(self.ids)


#: Report clauses holding fewer characters than this are read once and kept in memory.
KEEP_CHARS = 16_000_000


def report_clause_chunks(store, docs: pd.DataFrame, chunk: int = 256,
                         keep_chars: int = KEEP_CHARS):
    """A function giving, each time it is called, the report clauses of ``docs`` (doc_id,
    unit_id) as :func:`pipeline.gaps.report_clauses` makes them, one frame per group of
    about ``chunk`` documents of whole units (units in order; the function's ``by_unit`` is
    True): in each, a unit's activity clauses in document order, then the clauses of its
    documents without activities (their texts and sections read as needed).  When they hold at
    most ``keep_chars`` characters in all (counted by DuckDB first: the activity clauses,
    plus the whole texts of documents without activities), the frames of the first pass
    are kept for the next and the function's ``fits`` is True; otherwise every pass reads
    them again and nothing is held."""
    from pipeline.gaps import NOT_DONE, report_clauses

    ids = list(docs["doc_id"])
    done = f"coalesce(section_role, '') NOT IN ({sql_list(NOT_DONE)}) AND length(text) > 0"
    # one pass over activities: which documents have any, and their clauses' characters
    acts_chars = dict(store.con.execute(
        f"SELECT doc_id, coalesce(sum(length(text)) FILTER (WHERE {done}), 0) FROM activities "
        "WHERE doc_id IN (SELECT unnest(?::VARCHAR[])) GROUP BY doc_id", [ids]).fetchall())
    meta = docs[["doc_id", "unit_id"]].sort_values(["unit_id", "doc_id"], kind="stable")
    cuts = _unit_cuts(meta["unit_id"].tolist(), chunk)
    bare = [d for d in meta["doc_id"].tolist() if d not in acts_chars]
    size = sum(acts_chars.values()) + store.con.execute(
        "SELECT coalesce(sum(length(text)), 0) FROM documents "
        "WHERE doc_id IN (SELECT unnest(?::VARCHAR[]))", [bare]).fetchall()[0][0]
    kept: list[pd.DataFrame] | None = None

    def replay():
        nonlocal kept
        if kept is None and replay.fits:
            kept = list(chunks())
        yield from (kept if kept is not None else chunks())

    replay.fits, replay.by_unit = size <= keep_chars, True
    no_acts = pd.DataFrame(columns=["doc_id", "text", "category", "section_role"])

    def chunks():
        texts = Texts(store, bare, chunk=chunk)  # read in the order of ``bare``
        for a, b in zip(cuts, cuts[1:]):
            part, frames = meta.iloc[a:b], []
            group = part["doc_id"].tolist()
            with_acts = [d for d in group if d in acts_chars]
            if with_acts:
                acts = rows_of(store, "activities", with_acts,
                               "doc_id, text, category, section_role", done)
                frames.append(report_clauses(part.assign(text=None), acts))
            without = [d for d in group if d not in acts_chars]
            if without:
                d = part.set_index("doc_id").loc[without].reset_index()
                frames.append(report_clauses(
                    d.assign(text=[texts[x] for x in without]), no_acts,
                    rows_of(store, "sections", without, 'doc_id, role, start, "end"')))
            frames = [f for f in frames if len(f)]
            if frames:  # within a unit: its activity clauses first, as before
                yield pd.concat(frames, ignore_index=True)
    return replay


def _unit_cuts(units: list, size: int) -> list[int]:
    """Where to cut a list of documents sorted by unit (``units``: each one's) into groups
    of about ``size`` documents, never between two documents of one unit: the groups are
    ``[cuts[i], cuts[i + 1])``."""
    cuts = [0]
    for i in range(1, len(units)):
        if units[i] != units[i - 1] and i - cuts[-1] >= size:
            cuts.append(i)
    return cuts + [len(units)] if units else cuts


#: Every stored fingerprint of the documents in ``_fp_docs`` (d: their number), unnested
#: before the join so that DuckDB builds its hash table on the small side.  The query below
#: names it twice rather than as a CTE, and counts documents per k-gram with two plain
#: aggregates rather than count(DISTINCT): DuckDB then neither materialises 16 bytes per
#: fingerprint nor keeps a distinct set per k-gram, and spills to disk under the store's
#: memory cap (the previous form ran out of memory at 8,000 reports; this one runs there
#: within 128 MB on one thread, 256 MB on two).
_UNNESTED = ("(SELECT i.d, x.h, x.p FROM (SELECT doc_id, unnest(hashes) AS h, unnest(positions) "
             "AS p FROM fingerprints) x JOIN _fp_docs i USING (doc_id))")


#: Rows of shared fingerprints fetched from DuckDB at a time.
SHARED_BATCH_ROWS = 1 << 20
#: Stored fingerprints the query of shared ones reads in one pass: beyond it the hashes are
#: cut into ranges, one pass each (a pass reads every fingerprint, keeps those of its range).
#: At 100,000 reports (99 million fingerprints) one pass, and passes of 33 million, ran
#: DuckDB out of its 256 MB limit; ten passes of 10 million took 59-61 s in all.
FINGERPRINTS_PER_PASS = 10_000_000
_RANGE = f"(SELECT * FROM {_UNNESTED} WHERE h BETWEEN $lo::UBIGINT AND $hi::UBIGINT)"
# (the range's rows named twice, not as a CTE: DuckDB would materialise it)
_SHARED = (f"WITH k AS (SELECT h FROM (SELECT h, d, count(*) AS n FROM {_RANGE} GROUP BY h, d) "
           "GROUP BY h HAVING count(*) BETWEEN 2 AND $common AND sum(n) <= $bucket) "
           f"SELECT f.h, f.d, f.p FROM {_RANGE} f SEMI JOIN k USING (h) ORDER BY f.h, f.d, f.p")


def _hash_ranges(n: int) -> list[tuple[int, int]]:
    """``n`` consecutive ranges covering every unsigned 64-bit hash."""
    top = (1 << 64) - 1
    cuts = [top * i // n for i in range(n + 1)]
    return [(cuts[i] + (i > 0), cuts[i + 1]) for i in range(n)]


def shared_fingerprints(store, doc_ids: list[str]):
    """For :func:`pipeline.copied.copied_passages`: a function ``(common, max_bucket)`` giving
    the stored fingerprints of ``doc_ids`` (documents numbered in that order) whose k-gram
    is in 2… common+1 of them and at most max_bucket times, sorted by hash, document,
    position — found by DuckDB, so only the shared fingerprints reach Python.  Their hashes
    are not kept: the first array holds the parity of each one's k-gram (the first k-gram
    0), one byte a fingerprint instead of eight, which changes exactly where the k-gram
    does.  A large corpus is read in passes over ranges of hashes
    (:data:`FINGERPRINTS_PER_PASS`), each streamed a batch at a time; the ranges are in hash
    order, so their rows are too."""
    import numpy as np

    from pipeline.store import MEMORY_LIMIT

    def shared(common: int, max_bucket: int):
        store.reattach()  # staged rows pinned in the pool, row groups' metadata held
        index = pd.DataFrame({"doc_id": list(doc_ids), "d": np.arange(len(doc_ids), dtype=np.int32)})
        store.con.register("_fp_docs", index)
        parts: dict[str, list] = {"k": [], "d": [], "p": []}
        last = None  # the last hash so far, and its k-gram's parity (below)
        try:
            total = store.con.execute("SELECT coalesce(sum(len(hashes)), 0) FROM fingerprints "
                                      "WHERE doc_id IN (SELECT doc_id FROM _fp_docs)"
                                      ).fetchall()[0][0]
            with store.capped(MEMORY_LIMIT):  # the passes' aggregates need the whole cap
                for lo, hi in _hash_ranges(max(1, -(-int(total) // FINGERPRINTS_PER_PASS))):
                    reader = store.con.sql(_SHARED, params={
                        "lo": str(lo), "hi": str(hi), "common": common + 1,
                        "bucket": max_bucket}).to_arrow_reader(SHARED_BATCH_ROWS)
                    for batch in reader:
                        h = batch.column("h").to_numpy()
                        if not len(h):
                            continue
                        new = np.r_[last is None or h[0] != last[0], h[1:] != h[:-1]]
                        parity = (np.cumsum(new) + (last[1] if last else 1)) & 1
                        last = (h[-1], int(parity[-1]))
                        parts["k"].append(parity.astype(np.uint8))
                        for name in ("d", "p"):
                            parts[name].append(batch.column(name).to_numpy().astype(np.int32,
                                                                                     copy=False))
        finally:
            store.con.unregister("_fp_docs")
            store.evict()  # the fingerprints' blocks: the search needs the room
        # one column at a time, each column's parts dropped once joined
        return tuple(np.concatenate(parts.pop(c)) if parts[c] else np.empty(0, dtype)
                     for c, dtype in (("k", np.uint8), ("d", np.int32), ("p", np.int32)))
    return shared
