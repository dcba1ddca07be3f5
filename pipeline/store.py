"""The embedded DuckDB store of ``ngreport run`` (schema and rules: docs/STORE.md).

Base tables (``files``, ``documents``, ``sections``, ``activities``, ``quantities``,
``flags`` with origin 'document', ``problems``, ``child_names``) only grow: a file's rows are
written in one transaction and never rewritten, except that a changed file (same path, new
sha256) marks its earlier version ``superseded``.  Derived tables (``units``, ``doc_units``,
``aggregates``, ``gaps``, ``problem_themes``, flags with origin 'cross') are replaced as a
whole from the current rows at the end of each run.
"""
from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from pipeline.executor import default_workers
from pipeline.rows import ROW_TABLES, file_rows, locator_label, n_documents  # noqa: F401 (re-exported)

#: ``documents.text`` is stored uncompressed: a checkpoint rewrites the open row group of
#: ``documents`` (up to 2,048 reports' whole texts), and DuckDB's string compression
#: (dictionary + FSST) of those texts made every checkpoint cost about 1.2 s at 2,000
#: reports against 0.05 s uncompressed, for 16 rather than 27 MB of text in the file.
_TABLES: dict[str, str] = {
    "runs": "run_id VARCHAR PRIMARY KEY, started TIMESTAMP, finished TIMESTAMP, inputs VARCHAR,"
            " options VARCHAR, n_files INTEGER, n_processed INTEGER, n_skipped INTEGER,"
            " n_documents INTEGER, n_failed INTEGER, status VARCHAR",
    "files": "path VARCHAR, sha256 VARCHAR, role VARCHAR, status VARCHAR, error VARCHAR,"
             " n_documents INTEGER, same_as VARCHAR, size BIGINT, run_id VARCHAR,"
             " committed_at TIMESTAMP, superseded BOOLEAN, PRIMARY KEY (path, sha256)",
    "documents": "doc_id VARCHAR PRIMARY KEY, sha256 VARCHAR, source VARCHAR, article INTEGER,"
                 " title VARCHAR, doc_type VARCHAR, reporting_unit VARCHAR, level VARCHAR,"
                 " recipient VARCHAR, year INTEGER, years VARCHAR, issued VARCHAR,"
                 " anonymised VARCHAR, relevant BOOLEAN, relevance_reason VARCHAR,"
                 " format VARCHAR, encoding VARCHAR, categories VARCHAR, n_quantities INTEGER,"
                 " n_chars INTEGER, text VARCHAR USING COMPRESSION uncompressed,"
                 " superseded BOOLEAN, run_id VARCHAR, text_key VARCHAR",
    "sections": "doc_id VARCHAR, idx INTEGER, parent_idx INTEGER, heading VARCHAR,"
                " level INTEGER, role VARCHAR, marker VARCHAR, start INTEGER, \"end\" INTEGER,"
                " heading_start INTEGER, heading_end INTEGER",
    "activities": "doc_id VARCHAR, idx INTEGER, start INTEGER, \"end\" INTEGER, text VARCHAR,"
                  " category VARCHAR, section_role VARCHAR, extra VARCHAR",
    "quantities": "doc_id VARCHAR, q_index INTEGER, text VARCHAR, value DOUBLE, low DOUBLE,"
                  " high DOUBLE, unit VARCHAR, kind VARCHAR, approx BOOLEAN, redacted BOOLEAN,"
                  " subject VARCHAR, role VARCHAR, period VARCHAR, category VARCHAR,"
                  " start INTEGER, \"end\" INTEGER, sentence_start INTEGER,"
                  " sentence_end INTEGER, sentence_text VARCHAR, section_role VARCHAR,"
                  " rule VARCHAR, part_of INTEGER, links VARCHAR, cell VARCHAR, locator VARCHAR",
    "flags": "doc_id VARCHAR, idx INTEGER, origin VARCHAR, type VARCHAR, severity VARCHAR,"
             " message VARCHAR, evidence VARCHAR, expected VARCHAR, start INTEGER,"
             " \"end\" INTEGER, sentence_text VARCHAR, quantities VARCHAR, spans VARCHAR,"
             " detail VARCHAR, other_doc_id VARCHAR",
    "problems": "doc_id VARCHAR, idx INTEGER, start INTEGER, \"end\" INTEGER, text VARCHAR,"
                " theme VARCHAR",
    "child_names": "doc_id VARCHAR, start INTEGER, \"end\" INTEGER",
    "fingerprints": "doc_id VARCHAR, hashes UBIGINT[], positions INTEGER[]",
    "roster": "unit_id VARCHAR PRIMARY KEY, unit_name VARCHAR, parent_id VARCHAR,"
              " level VARCHAR, aliases VARCHAR",
    "units": "unit_id VARCHAR, unit_name VARCHAR, parent_id VARCHAR, level VARCHAR,"
             " n_documents INTEGER, matched_by VARCHAR, has_report BOOLEAN",
    "doc_units": "doc_id VARCHAR, unit_id VARCHAR, matched_by VARCHAR, score DOUBLE",
    "aggregates": "unit_id VARCHAR, year INTEGER, category VARCHAR, kind VARCHAR,"
                  " scope VARCHAR, exact_sum DOUBLE, low_sum DOUBLE, high_sum DOUBLE,"
                  " n_exact INTEGER, n_approx INTEGER, n_redacted INTEGER, n_units INTEGER",
    "gaps": "unit_id VARCHAR, gap_type VARCHAR, item VARCHAR, detail VARCHAR, score DOUBLE",
    "problem_themes": "theme VARCHAR, n_units INTEGER, n_mentions INTEGER, units VARCHAR",
    "compacted": "table_name VARCHAR PRIMARY KEY, n_rows BIGINT",
}
SCHEMA = "\n".join(f'CREATE TABLE IF NOT EXISTS "{t}" ({cols});' for t, cols in _TABLES.items()) + """
CREATE OR REPLACE VIEW current_documents AS SELECT * FROM documents WHERE NOT superseded;
CREATE OR REPLACE VIEW current_quantities AS SELECT q.* FROM quantities q
  JOIN documents d USING (doc_id) WHERE NOT d.superseded;
"""


def _column_names(ddl: str) -> list[str]:
    ddl = ddl.split(", PRIMARY KEY")[0]
    return [c.split()[0].strip('"') for c in ddl.split(", ")]


#: Column names of every table, in schema order.
COLUMNS_OF: dict[str, list[str]] = {t: _column_names(d) for t, d in _TABLES.items()}
_ARROW = {"VARCHAR": pa.string(), "INTEGER": pa.int64(), "BIGINT": pa.int64(),
          "DOUBLE": pa.float64(), "BOOLEAN": pa.bool_(), "TIMESTAMP": pa.timestamp("us"),
          "UBIGINT[]": pa.list_(pa.uint64()), "INTEGER[]": pa.list_(pa.int32())}
#: Arrow type of every column (typed columns insert several times faster than objects).
ARROW_TYPES: dict[str, list] = {
    t: [_ARROW[c.split()[1]] for c in d.split(", PRIMARY KEY")[0].split(", ")]
    for t, d in _TABLES.items()}


def _arrow(name: str, rows: list[tuple]) -> pa.Table:
    """Rows of table ``name`` (in schema column order) as a typed Arrow table."""
    cols = list(zip(*rows)) if rows else [()] * len(COLUMNS_OF[name])
    return pa.table([_list_array(c, t) if pa.types.is_list(t) else pa.array(c, type=t)
                     for c, t in zip(cols, ARROW_TYPES[name])], names=COLUMNS_OF[name])


def _list_array(arrays, t) -> pa.Array:
    """numpy arrays as one Arrow list column (one copy, not a value at a time)."""
    offsets = np.r_[0, np.cumsum([len(a) for a in arrays], dtype=np.int64)].astype(np.int32)
    values = np.concatenate(list(arrays)) if len(arrays) else np.zeros(0)
    return pa.ListArray.from_arrays(pa.array(offsets), pa.array(values, type=t.value_type))


def insert_frame(con, name: str, frame: pd.DataFrame) -> None:
    """Insert ``frame``'s columns into table ``name`` through connection ``con``."""
    cols = ", ".join(f'"{c}"' for c in frame.columns)
    con.register("_rows", frame)
    try:
        con.execute(f'INSERT INTO "{name}" ({cols}) SELECT {cols} FROM _rows')
    finally:
        con.unregister("_rows")


#: Tables recomputed from the current rows at the end of every run.
DERIVED = ("units", "doc_units", "aggregates", "gaps", "problem_themes")
#: Tables compared when checking that two stores hold the same data.
DATA_TABLES = ("files", "documents", "sections", "activities", "quantities", "flags",
               "problems", "child_names", "fingerprints", "roster") + DERIVED
#: Columns that legitimately differ between two runs over the same files.
VOLATILE = {"run_id", "committed_at", "started", "finished"}


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


#: Rows per row group of the store's tables (DuckDB's default is 122,880; see Store.__init__).
ROW_GROUP_SIZE = 2048
#: Files committed between two :meth:`Store.reattach` in the files phase.
REATTACH_FILES = 4000
#: Rows per row group of the tables :meth:`Store.compact` rewrites (and, after it, of
#: whatever the run writes and DuckDB's checkpoints merge).
LARGE_ROW_GROUP_SIZE = 16_384
#: The base tables with many rows per report, which :meth:`Store.compact` rewrites in large
#: row groups (``documents`` keeps small ones: its open row group holds whole texts).
COMPACTED = ("sections", "activities", "quantities", "flags", "problems")
#: :meth:`Store.compact` rewrites a table once it has at least this many rows in small row
#: groups, and at least as many as in large ones (so each row is rewritten about twice).
COMPACT_ROWS = 1_000_000
#: Write-ahead-log size that triggers a DuckDB checkpoint.
CHECKPOINT_THRESHOLD = "64MB"
#: DuckDB's buffer-pool cap (it spills to a temporary file beyond it): keeps the writing
#: process's memory flat however many reports the store holds.
MEMORY_LIMIT = "256MB"
#: The cap while files are written (:meth:`Store.capped`): DuckDB keeps what it writes in
#: its pool up to the cap, which only the consolidation's queries need.
FILES_MEMORY_LIMIT = "128MB"
#: The cap while the build reads the store a chunk at a time (the gap lists, the checks of
#: figures): filtered scans, which need little room; what DuckDB would cache beyond it is
#: read from the file again.
SCAN_MEMORY_LIMIT = "128MB"
#: Memory DuckDB's allocator may keep cached after a task (its default is 128 MB).
ALLOCATOR_FLUSH = "8MB"


class Store:
    """A DuckDB database file holding everything ``ngreport run`` extracted."""

    def __init__(self, path: str | Path, names_fn=None):
        """``names_fn(text) -> [(start, end)]`` finds children's names to record."""
        self.path = Path(path)
        self.names_fn = names_fn
        self._ok: dict[str, tuple[str, int]] | None = None
        self._paths: set[str] | None = None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # A checkpoint (folding the write-ahead log into the file) rewrites each table's open
        # row group.  With DuckDB's 122,880-row groups, the open group of ``documents`` (one
        # row, and the whole text, per report) held every report so far, so each checkpoint
        # cost more than the last (commits grew from 2.6 to 10 ms per file by 2,000 files).
        # Small row groups bound that rewrite; with a bounded log and buffer pool, time per
        # file and memory stay flat however many reports the store holds.
        self.con = duckdb.connect()
        self._row_group_size = ROW_GROUP_SIZE  # until compact()
        self._since_attach = 0  # files committed since the file was last attached
        self._quoted = str(self.path).replace("'", "''")  # as a SQL string's inside
        self._attach()
        self.con.execute(f"SET temp_directory = '{self._quoted}.tmp'")
        self.con.execute(f"SET checkpoint_threshold = '{CHECKPOINT_THRESHOLD}'")
        self._limit = MEMORY_LIMIT  # DuckDB's memory_limit now (see capped)
        self.con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        self.con.execute(f"SET threads = {default_workers()}")  # the CPUs it may use
        # DuckDB's allocator (jemalloc) keeps what a query frees for the next one: up to the
        # whole pool, beside the pandas frames of the next (Python) step.  Handed back after
        # each task above ALLOCATOR_FLUSH, and purged by jemalloc's own threads meanwhile.
        self.con.execute(f"SET allocator_flush_threshold = '{ALLOCATOR_FLUSH}'")
        self.con.execute("SET allocator_background_threads = true")
        self.con.execute(SCHEMA)
        # stores made before documents.text_key (see rows.text_key) gain it, empty
        self.con.execute("ALTER TABLE documents ADD COLUMN IF NOT EXISTS text_key VARCHAR")

    def close(self) -> None:
        self.con.close()

    @contextmanager
    def capped(self, limit: str):
        """Meanwhile, hold DuckDB's buffer pool to ``limit`` (it hands back the blocks it
        caches beyond it); then to the cap before (these nest).  Lowering it is an
        optimisation only: if more than ``limit`` is pinned now, the cap stays as it was."""
        before = self._limit
        try:
            self.con.execute(f"SET memory_limit = '{limit}'")
            self._limit = limit
        except duckdb.Error:
            pass
        try:
            yield
        finally:
            self.con.execute(f"SET memory_limit = '{before}'")
            self._limit = before

    @contextmanager
    def one_thread(self):
        """Meanwhile, DuckDB runs on one thread; then on as many as before.  A large sort
        needs fewer blocks pinned at once: at 100,000 reports the quantities' sort (joined to
        ``cur_meta``) ran out of :data:`MEMORY_LIMIT` with two threads ("failed to pin
        block") and took 15 s with one."""
        threads = self.con.execute("SELECT current_setting('threads')").fetchall()[0][0]
        self.con.execute("SET threads = 1")
        try:
            yield
        finally:
            self.con.execute(f"SET threads = {int(threads)}")

    def lean(self):
        """:meth:`capped` to a minimum: DuckDB hands back the blocks it caches (about 180 MB
        after a 2,000-report consolidation), so processes forked meanwhile do not inherit
        them and keep them alive once this process moves on."""
        return self.capped("8MB")

    def evict(self) -> None:
        """Hand back the blocks DuckDB caches now (:meth:`lean` for a moment): after a
        large scan, before Python needs the room."""
        with self.lean():
            pass

    def settle(self) -> None:
        """Fold the write-ahead log into the file now (the end of the files phase): data not
        yet checkpointed stays pinned in DuckDB's capped buffer pool, where the
        consolidation's joins need the room."""
        self.con.execute("CHECKPOINT")

    def _attach(self) -> None:
        self.con.execute(f"ATTACH '{self._quoted}' AS store "
                         f"(ROW_GROUP_SIZE {self._row_group_size})")
        self.con.execute("USE store")

    def compact(self) -> list[str]:
        """The end of the files phase: checkpoint, and rewrite each :data:`COMPACTED` table
        holding at least :data:`COMPACT_ROWS` rows in small row groups, and at least as
        many as in large ones, into row groups of :data:`LARGE_ROW_GROUP_SIZE` rows (same
        rows, same order).  Returns the tables rewritten.

        DuckDB keeps the metadata of every row group a statement reads until the file is
        detached: with 2,048-row groups, scanning the quantities and activities of a
        32,000-report store held 80 MB of it (every base table: 99 MB; 19 MB in
        122,880-row groups), and the file took 1,291 MB for those two tables against
        502 MB in 16,384-row groups.  ``compacted`` records each table's rows at its last
        rewrite; rows added since (in this or earlier runs) are the ones in small groups.

        After a rewrite the file stays attached with large row groups for the rest of the
        run, and DuckDB's checkpoints then merge the other tables' small row groups too
        (up to its ``max_vacuum_tasks`` a checkpoint).  Not larger: with every fingerprint
        of 100,000 reports in one row group, the query of shared ones ran out of memory."""
        self.settle()
        done = dict(self.con.execute("SELECT table_name, n_rows FROM compacted").fetchall())
        todo = []
        for name in COMPACTED:
            n = self.con.execute(f'SELECT count(*) FROM "{name}"').fetchall()[0][0]
            large = min(done.get(name, 0), n)  # fewer when rows were deleted since
            if n - large >= max(COMPACT_ROWS, large):
                todo.append((name, n))
        if not todo:
            return []
        self._row_group_size = LARGE_ROW_GROUP_SIZE
        self.reattach()
        for name, n in todo:
            with self._transaction():
                self.con.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM "{name}"')
                self.con.execute("INSERT OR REPLACE INTO compacted VALUES (?, ?)", [name, n])
        self.reattach()  # checkpoints the rewrite; drops the old groups' metadata
        return [name for name, _ in todo]

    def reattach(self) -> None:
        """Checkpoint, then detach the database file and attach it again.  DuckDB keeps the
        metadata of every row group it has read or written until the file is detached, and
        with small row groups (:data:`ROW_GROUP_SIZE`) that grows with the store: about
        300 MB once every table of a 100,000-report store has been read, beside a capped
        buffer pool.  Call it between statements only (no result being streamed); temporary
        tables, registered frames and settings belong to the connection and stay.  Then
        :meth:`evict`: on the 100,000-report store, after unit matching and a reattach,
        lowering the cap for a moment took the process from 424 to 330 MB, though DuckDB
        counted 3 MB in its pool."""
        self.con.execute("CHECKPOINT")
        self.con.execute("USE memory")
        self.con.execute("DETACH store")
        self._attach()
        self._since_attach = 0
        self.evict()  # and what DuckDB's allocator still caches of it

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- reading --------------------------------------------------------------------
    def df(self, sql: str, params: list | None = None) -> pd.DataFrame:
        return self.con.execute(sql, params or []).df()

    def table(self, name: str) -> pd.DataFrame:
        return self.df(f'SELECT * FROM "{name}"')

    def known_files(self) -> dict[tuple[str, str], str]:
        """(path, sha256) -> status for every file row that is not superseded."""
        rows = self.con.execute(
            "SELECT path, sha256, status FROM files WHERE NOT superseded").fetchall()
        return {(p, s): st for p, s, st in rows}

    def ok_sha(self) -> dict[str, tuple[str, int]]:
        """sha256 -> (a path, n_documents) for contents whose documents are stored."""
        if self._ok is None:
            rows = self.con.execute(
                "SELECT sha256, min(path), max(n_documents) FROM files WHERE status = 'ok' "
                "GROUP BY sha256").fetchall()
            self._ok = {s: (p, n) for s, p, n in rows}
        return self._ok

    # --- runs ------------------------------------------------------------------------
    def begin_run(self, inputs: list[str], options: dict) -> str:
        run_id = uuid.uuid4().hex[:12]
        self.con.execute(
            "INSERT INTO runs (run_id, started, inputs, options, status) VALUES (?,?,?,?,?)",
            [run_id, _now(), json.dumps(inputs, ensure_ascii=False),
             json.dumps(options, ensure_ascii=False, default=str), "running"])
        return run_id

    def backfill_fingerprints(self, chunk: int = 256) -> int:
        """Fingerprint the current documents that have none (stored before the table
        existed); returns how many were added."""
        from pipeline.copied import fingerprints

        todo = [d for (d,) in self.con.execute(
            "SELECT doc_id FROM documents WHERE NOT superseded AND doc_id NOT IN "
            "(SELECT doc_id FROM fingerprints) ORDER BY doc_id").fetchall()]
        for a in range(0, len(todo), chunk):
            rows = self.con.execute(
                "SELECT doc_id, text, reporting_unit FROM documents WHERE doc_id IN "
                "(SELECT unnest(?::VARCHAR[])) ORDER BY doc_id", [todo[a:a + chunk]]).fetchall()
            with self._transaction():
                self._insert_rows("fingerprints", [(d, *fingerprints(t or "", u))
                                                   for d, t, u in rows])
        return len(todo)

    def finish_run(self, run_id: str, **counts) -> None:
        sets = ", ".join(f"{k} = ?" for k in counts)
        self.con.execute(f"UPDATE runs SET finished = ?, status = 'finished', {sets} "
                         "WHERE run_id = ?", [_now(), *counts.values(), run_id])

    # --- writing files ---------------------------------------------------------------
    def commit_files(self, items: Iterable[tuple], run_id: str) -> None:
        """Write processed files in ONE transaction (each file wholly in or out).

        ``items`` are ``(result, role, size)`` with ``result`` a FileResult-like object
        (path, sha256, status, error, documents — or ready ``rows`` from
        :func:`pipeline.rows.prepare`) and role 'report' or 'plan'.  A file whose
        documents are already stored under its sha256 (a copy, or a file changed back) is
        recorded without storing the documents again.
        """
        items = list(items)
        if not items:
            return
        ok_sha = self.ok_sha()
        added: dict[str, tuple[str, int]] = {}  # into ok_sha once committed
        tables: dict[str, list[tuple]] = {t: [] for t in ROW_TABLES}
        file_rows_: list[tuple] = []
        now = _now()
        for res, role, size in items:
            path, sha, status = str(res.path), res.sha256, res.status
            same_as, n_docs = None, n_documents(res) if status == "ok" else 0
            if status == "ok" and (sha in ok_sha or sha in added):  # contents already stored
                known_path, n_docs = ok_sha.get(sha) or added[sha]
                same_as = known_path if known_path != path else None
                status = "duplicate" if same_as else "ok"
            elif status == "ok":
                added[sha] = (path, n_docs)
                rows = getattr(res, "rows", None)
                if rows is None:
                    rows = file_rows(list(res.documents or []), sha, run_id, self.names_fn)
                for name, part in rows.items():
                    tables[name].extend(part)
            file_rows_.append((path, sha, role, status, res.error, n_docs, same_as, size,
                               run_id, now, False))
        cols = ", ".join(COLUMNS_OF["files"])
        con = self.con
        paths = self.paths()
        seen = any(r[0] in paths or r[2] == "plan" for r in file_rows_)
        with self._transaction():
            _files = _arrow("files", file_rows_)  # noqa: F841 (read by DuckDB by name)
            if seen:  # only paths stored before can replace or supersede anything
                plan = " OR role = 'plan'" if any(r[2] == "plan" for r in file_rows_) else ""
                where = f"NOT superseded AND (path IN (SELECT path FROM _files){plan})"
                affected = {r[1] for r in file_rows_} | {r[0] for r in con.execute(
                    f"SELECT sha256 FROM files WHERE {where}").fetchall()}
                # the same (path, sha256) seen again (a retried failure, a file changed
                # back) replaces its row; other versions of the path (or plan) are superseded
                con.execute("DELETE FROM files WHERE (path, sha256) IN "
                            "(SELECT path, sha256 FROM _files)")
                con.execute(f"UPDATE files SET superseded = TRUE WHERE {where}")
            con.execute(f"INSERT INTO files ({cols}) SELECT {cols} FROM _files")
            for name, rows in tables.items():
                if rows:
                    self._insert_rows(name, rows)
            if seen or any(r[3] == "duplicate" for r in file_rows_):
                self._refresh_superseded(sorted(affected if seen else {r[1] for r in file_rows_}))
        ok_sha.update(added)
        paths.update(r[0] for r in file_rows_)
        self._since_attach += len(file_rows_)
        if self._since_attach >= REATTACH_FILES:  # the written row groups' metadata
            self.reattach()

    def paths(self) -> set[str]:
        """Every path the files table has seen (cached)."""
        if self._paths is None:
            self._paths = {r[0] for r in self.con.execute("SELECT DISTINCT path FROM files"
                                                          ).fetchall()}
        return self._paths

    def _insert_rows(self, name: str, rows: list[tuple]) -> None:
        _rows = _arrow(name, rows)  # noqa: F841 (read by DuckDB by name)
        self.con.execute(f'INSERT INTO "{name}" SELECT * FROM _rows')

    def _insert(self, name: str, frame: pd.DataFrame) -> None:
        insert_frame(self.con, name, frame)

    def _refresh_superseded(self, shas: list[str]) -> None:
        """A document is current while some current ok/duplicate file has its sha256."""
        self.con.execute("""
            UPDATE documents SET superseded = NOT EXISTS (
              SELECT 1 FROM files f WHERE f.sha256 = documents.sha256 AND NOT f.superseded
              AND f.status IN ('ok', 'duplicate'))
            WHERE sha256 IN (SELECT unnest(?::VARCHAR[]))""", [shas])

    @contextmanager
    def _transaction(self):
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    def set_roster(self, roster: pd.DataFrame) -> None:
        with self._transaction():
            self.con.execute("DELETE FROM roster")
            if len(roster):
                self._insert("roster", roster[COLUMNS_OF["roster"]])

    def replace_derived(self, frames: dict[str, pd.DataFrame], staged=None,
                        order: dict[str, str] | None = None) -> None:
        """Replace every derived table (and the cross-document flags) in one transaction: by
        the rows of ``frames``, or of ``staged`` (a :class:`pipeline.staging.Stager`, whose
        tables are then dropped) in ``order`` (table -> SQL ORDER BY; the flags, staged
        only: :meth:`~pipeline.staging.Stager.cross_flags_sql`)."""
        with self._transaction():
            for name in DERIVED:
                self.con.execute(f'DELETE FROM "{name}"')
                frame = frames.get(name)
                if staged is not None and name in staged.rows:
                    self.con.execute(staged.copy_sql(name, (order or {}).get(name)))
                elif frame is not None and len(frame):
                    cols = [c for c in self.columns(name) if c in frame.columns]
                    self._insert(name, frame[cols])
            self.con.execute("DELETE FROM flags WHERE origin = 'cross'")
            if staged is not None and "flags" in staged.rows:
                self.con.execute(staged.cross_flags_sql())
        if staged is not None:
            staged.close()

    def columns(self, name: str) -> list[str]:
        return [r[0] for r in self.con.execute(f'DESCRIBE "{name}"').fetchall()]


def snapshot(path: str | Path) -> dict[str, pd.DataFrame]:
    """Every data table of a store, sorted, without run ids and timestamps (for comparing)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        out = {}
        for name in DATA_TABLES:
            cols = ", ".join(f'CAST("{c}" AS VARCHAR) AS "{c}"' if pa.types.is_list(t) else f'"{c}"'
                             for c, t in zip(COLUMNS_OF[name], ARROW_TYPES[name]))
            df = con.execute(f'SELECT {cols} FROM "{name}"').df()
            df = df.drop(columns=[c for c in df.columns if c in VOLATILE])
            out[name] = df.sort_values(list(df.columns), na_position="first",
                                       key=lambda s: s.astype(str)).reset_index(drop=True)
        return out
    finally:
        con.close()
