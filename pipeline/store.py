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
import pandas as pd
import pyarrow as pa

from pipeline.document import Document

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
                 " n_chars INTEGER, text VARCHAR, superseded BOOLEAN, run_id VARCHAR",
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
          "DOUBLE": pa.float64(), "BOOLEAN": pa.bool_(), "TIMESTAMP": pa.timestamp("us")}
#: Arrow type of every column (typed columns insert several times faster than objects).
ARROW_TYPES: dict[str, list] = {
    t: [_ARROW[c.split()[1]] for c in d.split(", PRIMARY KEY")[0].split(", ")]
    for t, d in _TABLES.items()}


def _arrow(name: str, rows: list[tuple]) -> pa.Table:
    """Rows of table ``name`` (in schema column order) as a typed Arrow table."""
    cols = list(zip(*rows)) if rows else [()] * len(COLUMNS_OF[name])
    return pa.table([pa.array(c, type=t) for c, t in zip(cols, ARROW_TYPES[name])],
                    names=COLUMNS_OF[name])


#: Base tables written per document.
ROW_TABLES = ("documents", "sections", "activities", "quantities", "flags", "problems",
              "child_names")

# --- Document -> table rows ---------------------------------------------------------------


def _json(v) -> str | None:
    if v is None or v == {} or v == []:
        return None
    return json.dumps(v, ensure_ascii=False, sort_keys=True, default=str)


def _num(v) -> float | None:
    try:
        return None if v is None else float(v)
    except (TypeError, ValueError):
        return None


def locator_label(loc: dict) -> str:
    """A reader's locator as a short Chinese label: 第3页 / 第12段 / 第40行 / 表1第2行第3列."""
    if not loc or loc.get("synthetic"):
        return ""
    if "table" in loc and "row" in loc:
        return f"表{loc['table'] + 1}第{loc['row'] + 1}行第{loc.get('col', 0) + 1}列"
    if "page" in loc:
        return f"第{loc['page']}页"
    if "paragraph" in loc:
        return f"第{loc['paragraph'] + 1}段"
    if "line" in loc:
        return f"第{loc['line']}行"
    return ""


def _section_role(doc: Document, offset) -> str | None:
    if offset is None:
        return None
    sec = doc.section_at(int(offset))
    return sec.role if sec else None


def _flat_sections(sections, parent=None, acc=None) -> list:
    """Depth-first (section, parent index) pairs."""
    acc = [] if acc is None else acc
    for sec in sections:
        acc.append((sec, parent))
        _flat_sections(sec.children, len(acc) - 1, acc)
    return acc


def _flag_row(doc: Document, i: int, f: dict) -> tuple:
    spans = f.get("spans") or []
    qs = [j for j in (f.get("quantities") or []) if 0 <= j < len(doc.quantities)]
    start = end = sentence = None
    if qs:
        q = doc.quantities[qs[0]]
        start, end = q.get("start"), q.get("end")
    elif spans:
        start, end = spans[0].get("start"), spans[0].get("end")
    if start is not None and 0 <= start < len(doc.text):
        s = doc.sentence_at(start)
        sentence = doc.text[s[0]:s[1]] if s else None
    evidence = f.get("expected") or "；".join(str(s.get("text", "")) for s in spans) or None
    return (doc.doc_id, i, "document", f.get("type"), f.get("severity"), f.get("message"),
            evidence, f.get("expected"), start, end, sentence, _json(qs), _json(spans),
            _json(f.get("detail")), None)


def document_rows(doc: Document, sha: str, run_id: str, names_fn=None) -> dict[str, list[tuple]]:
    """All base-table rows of one document."""
    did, text = doc.doc_id, doc.text
    out: dict[str, list[tuple]] = {t: [] for t in ROW_TABLES}
    out["documents"].append((
        did, sha, doc.source, doc.article, doc.title, doc.doc_type, doc.reporting_unit,
        doc.level, doc.recipient, doc.year, _json(doc.years), doc.issued, _json(doc.anonymised),
        bool(doc.relevant), doc.relevance_reason, doc.format, doc.encoding,
        _json(list(doc.categories)), len(doc.quantities), len(text), text, False, run_id))
    for i, (sec, parent) in enumerate(_flat_sections(doc.sections)):
        out["sections"].append((did, i, parent, sec.heading, sec.level, sec.role, sec.marker,
                                sec.start, sec.end, sec.heading_start, sec.heading_end))
    for i, a in enumerate(doc.activities):
        s, e = a.get("start"), a.get("end")
        t = a.get("text") or (text[s:e] if s is not None and e is not None else None)
        extra = {k: v for k, v in a.items() if k not in ("start", "end", "text", "category")}
        out["activities"].append((did, i, s, e, t, a.get("category"), _section_role(doc, s),
                                  _json(extra)))
    for i, q in enumerate(doc.quantities):
        sent = q.get("sentence") or None
        if not sent and q.get("start") is not None:
            sent = doc.sentence_at(q["start"])
        ss, se = (sent[0], sent[1]) if sent else (None, None)
        loc = ""
        if q.get("start") is not None and 0 <= q["start"] < len(text):
            loc = locator_label(doc.locate(q["start"]))
        links = q.get("links") or {}
        out["quantities"].append((
            did, i, q.get("text"), _num(q.get("value")), _num(q.get("low")), _num(q.get("high")),
            q.get("unit"), q.get("kind"), bool(q.get("approx")), bool(q.get("redacted")),
            q.get("subject"), q.get("role"), q.get("period"), q.get("category"), q.get("start"),
            q.get("end"), ss, se, text[ss:se] if ss is not None else None,
            _section_role(doc, q.get("start")), q.get("rule"), links.get("part_of"),
            _json(links), _json(q.get("cell")), loc))
    for i, f in enumerate(doc.flags):
        out["flags"].append(_flag_row(doc, i, f))
    for i, p in enumerate(doc.problems):
        s, e = p.get("start"), p.get("end")
        out["problems"].append((did, i, s, e, p.get("text") or text[s:e], p.get("theme")))
    if names_fn is not None:
        out["child_names"].extend((did, s, e) for s, e in names_fn(text))
    return out


def file_rows(docs: list[Document], sha: str, run_id: str, names_fn=None) -> dict[str, list]:
    out: dict[str, list[tuple]] = {t: [] for t in ROW_TABLES}
    for doc in docs:
        for name, rows in document_rows(doc, sha, run_id, names_fn).items():
            out[name].extend(rows)
    return out


#: Tables recomputed from the current rows at the end of every run.
DERIVED = ("units", "doc_units", "aggregates", "gaps", "problem_themes")
#: Tables compared when checking that two stores hold the same data.
DATA_TABLES = ("files", "documents", "sections", "activities", "quantities", "flags",
               "problems", "child_names", "roster") + DERIVED
#: Columns that legitimately differ between two runs over the same files.
VOLATILE = {"run_id", "committed_at", "started", "finished"}


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Store:
    """A DuckDB database file holding everything ``ngreport run`` extracted."""

    def __init__(self, path: str | Path, names_fn=None):
        """``names_fn(text) -> [(start, end)]`` finds children's names to record."""
        self.path = Path(path)
        self.names_fn = names_fn
        self._ok: dict[str, tuple[str, int]] | None = None
        self._paths: set[str] | None = None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.con = duckdb.connect(str(self.path))
        self.con.execute(SCHEMA)

    def close(self) -> None:
        self.con.close()

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

    def finish_run(self, run_id: str, **counts) -> None:
        sets = ", ".join(f"{k} = ?" for k in counts)
        self.con.execute(f"UPDATE runs SET finished = ?, status = 'finished', {sets} "
                         "WHERE run_id = ?", [_now(), *counts.values(), run_id])

    # --- writing files ---------------------------------------------------------------
    def commit_files(self, items: Iterable[tuple], run_id: str) -> None:
        """Write processed files in ONE transaction (each file wholly in or out).

        ``items`` are ``(result, role, size)`` with ``result`` a FileResult-like object
        (path, sha256, status, error, documents) and role 'report' or 'plan'.  A file whose
        documents are already stored under its sha256 (a copy, or a file changed back) is
        recorded without storing the documents again.
        """
        items = list(items)
        if not items:
            return
        ok_sha = dict(self.ok_sha())
        tables: dict[str, list[tuple]] = {t: [] for t in ROW_TABLES}
        file_rows_: list[tuple] = []
        now = _now()
        for res, role, size in items:
            path, sha, status = str(res.path), res.sha256, res.status
            docs = list(res.documents or []) if status == "ok" else []
            same_as, n_docs = None, len(docs)
            if status == "ok" and sha in ok_sha:  # contents already stored: no new documents
                known_path, n_docs = ok_sha[sha]
                same_as = known_path if known_path != path else None
                status = "duplicate" if same_as else "ok"
            elif status == "ok":
                ok_sha[sha] = (path, n_docs)
                for name, rows in file_rows(docs, sha, run_id, self.names_fn).items():
                    tables[name].extend(rows)
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
        self._ok = ok_sha
        paths.update(r[0] for r in file_rows_)

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
        cols = ", ".join(f'"{c}"' for c in frame.columns)
        self.con.register("_rows", frame)
        try:
            self.con.execute(f'INSERT INTO "{name}" ({cols}) SELECT {cols} FROM _rows')
        finally:
            self.con.unregister("_rows")

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

    def replace_derived(self, frames: dict[str, pd.DataFrame], cross_flags: pd.DataFrame) -> None:
        """Replace every derived table (and the cross-document flags) in one transaction."""
        with self._transaction():
            for name in DERIVED:
                self.con.execute(f'DELETE FROM "{name}"')
                frame = frames.get(name)
                if frame is not None and len(frame):
                    cols = [c for c in self.columns(name) if c in frame.columns]
                    self._insert(name, frame[cols])
            self.con.execute("DELETE FROM flags WHERE origin = 'cross'")
            if cross_flags is not None and len(cross_flags):
                cols = [c for c in self.columns("flags") if c in cross_flags.columns]
                self._insert("flags", cross_flags[cols].assign(origin="cross")
                             if "origin" not in cols else cross_flags[cols])

    def columns(self, name: str) -> list[str]:
        return [r[0] for r in self.con.execute(f'DESCRIBE "{name}"').fetchall()]


def snapshot(path: str | Path) -> dict[str, pd.DataFrame]:
    """Every data table of a store, sorted, without run ids and timestamps (for comparing)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        out = {}
        for name in DATA_TABLES:
            df = con.execute(f'SELECT * FROM "{name}"').df()
            df = df.drop(columns=[c for c in df.columns if c in VOLATILE])
            out[name] = df.sort_values(list(df.columns), na_position="first",
                                       key=lambda s: s.astype(str)).reset_index(drop=True)
        return out
    finally:
        con.close()
