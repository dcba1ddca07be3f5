"""The large tables of a consolidation (quantities, flags, and the per-unit aggregates, gaps
and problems) read from the store, never all at once.

:func:`register_meta` puts the current documents' metadata (unit, year, counted …) in a
temporary table beside the store's rows; the consolidation then sums, filters and counts the
quantities where they are (DuckDB), reads only the slim columns a check needs, a chunk of
units at a time (:func:`slim_by_chunk`), and keeps in memory at most :data:`DETAIL_ROWS`
rows of each table of :data:`STREAMED` for the outputs people read.
:func:`detail_tables` streams a whole table, masked, a batch at a time (for the Parquet
dataset, which has every row).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator

import pandas as pd
import pyarrow as pa

from pipeline.masking import mask_frame
from pipeline.store_reads import read_frame, temp_table, to_frame

#: Rows of each large table held for Excel, Word and HTML; the Parquet files have them all.
DETAIL_ROWS = 100_000

META = ["doc_id", "unit_id", "year", "doc_type", "source", "relevant", "counted"]
#: Every quantity of the current documents, with its document's unit, year and counted flag.
QUANTITIES = ("SELECT q.*, m.unit_id, m.year, m.doc_type, m.source, m.relevant, m.counted "
              "FROM quantities q JOIN cur_meta m USING (doc_id)")
#: The problems of the counted documents, with their unit.
PROBLEMS = ("SELECT p.*, m.unit_id FROM problems p JOIN cur_meta m USING (doc_id) "
            "WHERE m.counted")
_ORDER = {"quantities": " ORDER BY doc_id, q_index",
          "flags": " ORDER BY origin = 'cross', doc_id, idx",
          "problems": " ORDER BY doc_id, idx", "aggregates": " ORDER BY rowid",
          "gaps": " ORDER BY rowid"}
_SQL = {"quantities": f"SELECT * FROM ({QUANTITIES})",
        "flags": "SELECT f.*, m.unit_id, m.source FROM flags f JOIN cur_meta m USING (doc_id)",
        "problems": PROBLEMS, "aggregates": "SELECT * FROM aggregates",
        "gaps": "SELECT * FROM gaps"}
#: The tables read from the store in full only as a stream (the derived ones in the order
#: the consolidation wrote them).
STREAMED = tuple(_SQL)


def register_meta(store, meta: pd.DataFrame) -> None:
    """Store ``meta`` (columns :data:`META`, one row per current document) as the connection's
    temporary table ``cur_meta``, which the queries here join."""
    temp_table(store, "cur_meta", meta[META])


def counted_quantities(store):
    """The counted quantities (relevant, not a second copy) as a DuckDB relation."""
    return store.con.sql(f"SELECT * FROM ({QUANTITIES}) WHERE counted")


def slim_by_chunk(store, columns: list[str], where: str, assignment: pd.DataFrame,
                  doc_ids: list[str] | None = None):
    """(chunk, frame): ``columns`` of the counted quantities matching ``where`` (of
    ``doc_ids`` if given) of the units of ``assignment`` (unit_id, chunk), one chunk at a
    time in chunk order, each in document order: what one check needs, without the long
    texts (:func:`pipeline.subtrees.read_by_chunk`)."""
    from pipeline.subtrees import read_by_chunk

    cols = ", ".join(f'q."{c}"' for c in columns)
    if doc_ids is not None:
        where = f"({where}) AND q.doc_id IN (SELECT unnest(?::VARCHAR[]))"
    return read_by_chunk(store, f"SELECT {cols}, c.chunk AS _chunk FROM ({QUANTITIES}) q JOIN "
                         f"chunk_of c USING (unit_id) WHERE q.counted AND ({where}) "
                         "ORDER BY c.chunk, q.doc_id, q.q_index", assignment,
                         None if doc_ids is None else [doc_ids])


def weights(store, where: str, doc_ids: list[str] | None = None) -> dict[str, int]:
    """Counted quantities matching ``where`` (of ``doc_ids`` if given) per unit."""
    sql = f"SELECT unit_id, count(*) FROM ({QUANTITIES}) WHERE counted AND unit_id IS NOT NULL " \
          f"AND ({where})"
    if doc_ids is not None:
        sql += " AND doc_id IN (SELECT unnest(?::VARCHAR[]))"
    return dict(store.con.execute(sql + " GROUP BY unit_id",
                                  [] if doc_ids is None else [doc_ids]).fetchall())


def head(store, name: str, limit: int) -> pd.DataFrame:
    """The first ``limit`` rows of table ``name`` (one of :data:`STREAMED`); of the flags,
    the documents' own and the cross-document ones (those first, in their order) share
    ``limit`` so that no kind is left out."""
    own, cross = _quota(store, name, limit)
    if name != "flags":
        return read_frame(store, f"{_SQL[name]}{_ORDER[name]} LIMIT {own}")
    first = (f"SELECT * FROM ({_SQL['flags']}) WHERE origin {op} 'cross' ORDER BY doc_id, "
             f"idx LIMIT {n}" for op, n in (("<>", own), ("=", cross)))
    return read_frame(store, f"SELECT * FROM (({next(first)}) UNION ALL ({next(first)}))"
                      f"{_ORDER['flags']}")


def _quota(store, name: str, limit: int) -> tuple[int, int]:
    """How many of :func:`head`'s rows are the documents' own flags (or of any other table,
    its rows) and how many cross-document flags."""
    limit = max(0, int(limit))
    if name != "flags":
        return limit, 0
    n = store.con.execute(f"SELECT count(*) FROM ({_SQL['flags']}) WHERE origin = 'cross'"
                          ).fetchall()[0][0]
    return limit - min(n, limit), min(n, limit)


class _Head:
    """:func:`head`'s rows taken from the batches of the whole ordered table as they pass
    (every row of it in :data:`_ORDER`, whose keys are unique: the same first rows), written
    to the Arrow file ``path`` as they come."""

    def __init__(self, store, name: str, limit: int, path, schema: pa.Schema):
        self.flags = name == "flags"
        self.left = list(_quota(store, name, limit))  # own, cross
        self.file = pa.ipc.new_file(str(path), schema)

    def add(self, batch: pa.RecordBatch) -> None:
        import pyarrow.compute as pc

        if not self.flags:
            rows = [pa.array(range(min(self.left[0], batch.num_rows)), pa.int64())]
        else:  # (a NULL origin is in neither of head's two queries)
            cross = pc.equal(batch.column("origin"), "cross")
            rows = [pc.indices_nonzero(pc.invert(cross)), pc.indices_nonzero(cross)]
        for i, idx in enumerate(rows):
            idx = idx[:self.left[i]]
            if len(idx):
                self.file.write_batch(batch.take(idx))
                self.left[i] -= len(idx)


def read_kept(path, fn: Callable) -> pd.DataFrame:
    """The first rows :func:`detail_tables` kept in the file ``path``, masked by ``fn``: what
    :func:`head` reads, masked."""
    with pa.OSFile(str(path)) as f:
        table = pa.ipc.open_file(f).read_all()
    return mask_frame(to_frame(table.combine_chunks()), fn)


def table_counts(store) -> dict[str, int]:
    """Rows of the consolidation's per-unit tables: aggregates, gaps, problems."""
    return {name: store.con.execute(f"SELECT count(*) FROM ({_SQL[name]})").fetchall()[0][0]
            for name in ("aggregates", "gaps", "problems")}


def counts(store) -> dict[str, int]:
    """Counts over every quantity and document flag of the current documents."""
    n, approx, red, target = store.con.execute(
        f"SELECT count(*), count(*) FILTER (approx), count(*) FILTER (redacted), "
        f"count(*) FILTER (role IN ('target', 'plan')) FROM ({QUANTITIES})").fetchall()[0]
    types = dict(store.con.execute(f"SELECT type, count(*) FROM ({_SQL['flags']}) GROUP BY type")
                 .fetchall())
    return {"quantities": n, "approx": approx, "redacted": red, "targets": target,
            "flag_types": types}


def detail_tables(store, name: str, fn: Callable, rows: int = 16384,
                  keep=None, limit: int | None = None) -> Iterator[pa.Table]:
    """Every row of table ``name`` (of :data:`STREAMED`) in order, masked by ``fn``
    (:func:`pipeline.masking.mask_frame`), as Arrow tables of up to ``rows`` rows with
    the contract's column order and the store's types; the whole result is never held.  The
    store's connection serves nothing else until the last table is read.  Once the last is
    read, the Arrow file ``keep`` (a path, if given) holds :func:`head`'s ``limit`` (default
    :data:`DETAIL_ROWS`) first rows, unmasked (:func:`read_kept` reads them), taken on the
    way: at 100,000 reports, reading them again after the Parquet dataset took DuckDB's whole
    pool for its top-N sorts (244 MB), and holding them beside the next table's sort raised
    that sort's peak by as much as they take (about 150 MB)."""
    from pipeline.consolidation import conform

    sql = _SQL[name] + _ORDER[name]
    types = store.con.sql(sql + " LIMIT 0").to_arrow_table().schema

    columns = list(conform(to_frame(types.empty_table()), name).columns)
    schema = pa.schema([types.field(c) if c in types.names else pa.field(c, pa.string())
                        for c in columns])

    def arrow(df: pd.DataFrame) -> pa.Table:  # every table: the same columns, in one order
        df = conform(df, name)
        df = df.assign(**{c: None for c in columns if c not in df.columns})[columns]
        return pa.Table.from_pandas(df, schema=schema, preserve_index=False)

    first = None if keep is None else _Head(store, name,
                                            DETAIL_ROWS if limit is None else limit, keep, types)
    empty = True
    try:
        with store.one_thread():  # the sort of a large table, under the store's memory cap
            for batch in store.con.sql(sql).to_arrow_reader(rows):
                empty = False
                if first is not None:
                    first.add(batch)
                yield arrow(mask_frame(to_frame(batch), fn))
        if empty:  # the file still gets its columns
            yield arrow(to_frame(types.empty_table()))
    finally:
        if first is not None:
            first.file.close()


def sentences(store, keys: pd.DataFrame) -> list:
    """For rows (doc_id, start, end) of quantities, each one's sentence text (None when no
    quantity of that document has that span)."""
    if not len(keys):
        return []
    k = pd.DataFrame({"i": range(len(keys)), "doc_id": keys["doc_id"].astype(object).to_numpy(),
                      "s": pd.to_numeric(keys["start"], errors="coerce").to_numpy(),
                      "e": pd.to_numeric(keys["end"], errors="coerce").to_numpy()})
    store.con.register("_keys_df", k)
    try:
        found = dict(store.con.execute(
            "SELECT k.i, first(q.sentence_text ORDER BY q.q_index) FROM _keys_df k JOIN quantities q"
            ' ON q.doc_id = k.doc_id AND q.start = k.s AND q."end" = k.e GROUP BY k.i').fetchall())
    finally:
        store.con.unregister("_keys_df")
    return [found.get(i) for i in range(len(keys))]
