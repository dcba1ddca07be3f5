"""``ngreport run``: stream report files into the DuckDB store, then consolidate and render.

1. find the input files; hash each one (sha256) and skip those already stored;
2. process the others (``pipeline.executor.map_files`` over :func:`process_for_store`, which
   also turns the documents into store rows in the worker) and commit each result as it
   arrives — a file's rows are written in one transaction (files arriving within
   ``GROUP_COMMIT_SECONDS`` of the previous commit share it), so a killed run loses at
   most the files not yet committed and the next run finishes the rest;
3. recompute units, aggregates, gaps, problem themes and cross-document flags from the
   store's current rows; write Parquet, Excel, HTML and Word outputs (with several workers
   and a corpus below ``PARALLEL_RENDER_ROWS``, Excel and HTML in forked processes while
   Parquet and then Word are written here; with more workers than those three outputs, all
   three forked) and manifest.jsonl.

Exit status: 2 if any input file failed, else 1 if an output could not be written, else 0.
"""
from __future__ import annotations

import dataclasses
import functools
import multiprocessing
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

#: Results arriving this soon after the last commit are committed together with the next.
GROUP_COMMIT_SECONDS = 2.0
MAX_GROUP = 256
#: Test hook: seconds to sleep after each commit (also forces one file per transaction).
SLEEP_ENV = "NGREPORT_TEST_SLEEP_AFTER_COMMIT"


@dataclass
class _Reused:
    """A file whose contents are already stored: recorded without processing."""

    path: str
    sha256: str
    status: str = "ok"
    error: str | None = None
    documents: list = field(default_factory=list)


@dataclass(slots=True)
class _Entry:
    """One input file: its line of manifest.jsonl, and its size while it is processed (a
    slotted object, not a dict: a run of 100,000 files holds one each)."""

    path: str
    sha256: str | None = None
    status: str | None = None
    error: str | None = None
    n_documents: int = 0
    action: str = "processed"
    size: int | None = None

    def line(self) -> dict:
        out = dataclasses.asdict(self)
        del out["size"]
        return out


class _Writer:
    """Commits results to the store as they arrive (group commit, bounded buffer)."""

    def __init__(self, store, run_id: str):
        self.store, self.run_id = store, run_id
        self.sleep = float(os.environ.get(SLEEP_ENV) or 0)
        self.buf: list[tuple] = []
        self.last = float("-inf")

    def add(self, result, role: str, size: int | None) -> None:
        self.buf.append((result, role, size))
        now = time.monotonic()
        if self.sleep or len(self.buf) >= MAX_GROUP or now - self.last >= GROUP_COMMIT_SECONDS:
            self.flush()

    def flush(self) -> None:
        if self.buf:
            self.store.commit_files(self.buf, self.run_id)
            n, self.buf = len(self.buf), []
            self.last = time.monotonic()
            if self.sleep:
                print(f"test hook: committed {n} file(s)", file=sys.stderr, flush=True)
                time.sleep(self.sleep)


def _sha(path: str) -> tuple[str, int | None, str | None]:
    from pipeline.readers import file_sha256

    try:
        return file_sha256(path), os.path.getsize(path), None
    except OSError as e:
        return "", None, f"{path}: {e.strerror or e}"


def _excluded(args, outdir: Path, db: Path) -> set[Path]:
    out = {db.resolve(), Path(str(db) + ".wal").resolve()}
    for p in (args.roster, args.plan):
        if p:
            out.add(Path(p).resolve())
    return out


def _inputs(args, outdir: Path, db: Path) -> tuple[list[str], list[str]]:
    from pipeline.discover import discover

    found = discover(args.inputs)
    skip = _excluded(args, outdir, db)
    out_root = outdir.resolve()
    files = []
    for f in found.files:
        r = Path(f).resolve()
        if r in skip or out_root in r.parents:
            continue
        files.append(os.path.abspath(f))
    return sorted(dict.fromkeys(files)), found.missing


def _progress(total: int, args):
    from tqdm import tqdm

    quiet = bool(getattr(args, "no_progress", False)) or not sys.stderr.isatty()
    return tqdm(total=total, disable=quiet, file=sys.stderr, unit="file", desc="ngreport")


#: (module, function, name under the output folder) of the outputs people read, written
#: from the consolidation alone (never its store); the Parquet dataset (``_DATA``) is
#: streamed from the open store, before them or (see ``PARALLEL_RENDER_ROWS``) while they run.
_OUTPUTS = (("render_xlsx", "write", "consolidated.xlsx"),
            ("render_html", "write", "report.html"),
            ("render_docx", "write", "consolidated-report.docx"))  # the quickest last
_DATA = ("export", "write_parquet", "data")
#: The most quantity rows for which, with several workers, Excel, Word and HTML are written
#: at once in forked processes that start before the Parquet dataset is written; beyond it
#: they are written one at a time in this process once the store is closed.  Parquet's
#: export sorts every quantity in DuckDB: beside the renderers that raised the peak to
#: 1,040 MB at 4,000 reports (about 220,000 rows) and 1,261 MB at 8,000 (440,000 rows); at
#: 2,000 reports (110,000 rows) the output phase stays below the build's peak, 0.8 s sooner.
PARALLEL_RENDER_ROWS = 150_000
#: The consolidation being rendered (read by forked render processes, never pickled).
_CONS = None


def _render_one(module: str, function: str, name: str, outdir: Path, cons=None) -> str | None:
    """Write one output of ``cons`` (default: the one being rendered); a failing renderer
    is reported, not fatal."""
    try:
        mod = __import__(f"pipeline.{module}", fromlist=[function])
        getattr(mod, function)(_CONS if cons is None else cons, outdir / name)
    except Exception as e:  # noqa: BLE001 - one output must not prevent the others
        return f"{name}: {type(e).__name__}: {e}"
    return None


#: What the build and the outputs import beyond what a run has imported by then (0.5-0.6 s,
#: 33 MB); with several workers or Dask and at most ``PRELOAD_FILES`` files, loaded before
#: the files are handed out, while this process would otherwise wait for the first results
#: (the fork server warms up for 2-3 s), not in the build's serial start or in each forked
#: renderer.  Beyond that the renderers are not forked (``PARALLEL_RENDER_ROWS``) and the
#: files phase sets the run's peak (4,000 reports and more): they load when needed.
PRELOAD_FILES = 3_000
_LATER = ("pipeline.aggregate", "pipeline.gaps", "pipeline.subtree_checks", "pyarrow.parquet",
          *(f"pipeline.{module}" for module, _, _ in _OUTPUTS))


def _preload() -> None:
    import importlib

    for name in _LATER:
        try:
            importlib.import_module(name)
        except ImportError:  # a renderer that cannot load says so when it is run
            pass


def _release_memory() -> None:
    """Hand memory freed by the consolidation back to the system (Python's heap and
    Arrow's pool keep it otherwise), so forked renderers start from a smaller process."""
    import ctypes
    import gc

    import pyarrow as pa

    gc.collect()
    pa.default_memory_pool().release_unused()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def _system_allocator() -> None:
    """Let Arrow (the pandas string columns, DuckDB's results) allocate with the C library's
    malloc instead of its own mimalloc pool, which keeps freed memory cached: 366 -> 340 MB
    at the start of a 32,000-report build, and ``_release_memory``'s trim then covers it."""
    import pyarrow as pa

    try:
        pa.set_memory_pool(pa.system_memory_pool())
    except Exception:  # noqa: BLE001 - memory only
        pass


def _start_render(cons, outdir: Path, workers: int = 1) -> Callable[[], list[str]]:
    """Start writing Excel, HTML and Word; returns a function that waits for them and gives
    their errors.  With several workers they are written at once in forked processes that
    start now and share the consolidation copy-on-write (they never read its store), so the
    caller can stream the Parquet dataset meanwhile; else they are written by that
    function.  With fewer workers than outputs, the last (and quickest) output is written
    by that function too, in this process, after the caller's Parquet and once one of the
    forked renderers has ended: a core would otherwise stand idle while the other
    renderers finish."""
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        def serial() -> list[str]:
            _release_memory()
            return [e for e in (_render_one(*out, outdir, cons) for out in _OUTPUTS) if e]
        return serial
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor
    from concurrent.futures import wait as wait_for

    global _CONS
    _release_memory()  # the renderers should not copy the build's garbage
    _CONS = cons
    forked, here = ((_OUTPUTS, ()) if workers > len(_OUTPUTS)
                    else (_OUTPUTS[:-1], _OUTPUTS[-1:]))
    pool = ProcessPoolExecutor(min(workers, len(forked)),
                               mp_context=multiprocessing.get_context("fork"))
    futures = [pool.submit(_render_one, *out, outdir) for out in forked]

    def wait() -> list[str]:
        global _CONS
        try:
            if here:  # this one beside one forked renderer, not two: less memory at once
                wait_for(futures, return_when=FIRST_COMPLETED)
            mine = [_render_one(*out, outdir, cons) for out in here]
            errors = [f.result() for f in futures] + mine
        finally:
            pool.shutdown()
            _CONS = None
        return [e for e in errors if e]
    return wait


def process_for_store(path: str, run_id: str):
    """The worker's unit of work: process one file and turn it into store rows."""
    from extractors.names import find_child_names
    from pipeline.process import process_file
    from pipeline.rows import prepare

    res = process_file(path)
    try:
        return prepare(res, run_id, find_child_names)
    except Exception as e:  # noqa: BLE001 - a bug must not stop the batch
        res.status, res.documents, res.rows = "error", [], None
        res.error = f"{path}: internal error {type(e).__name__}: {e}"
        return res


def _plan_job(plan: str, store, failed: list[str]) -> tuple[str | None, bool, int | None]:
    """(sha256, needs processing, size) of the committee's own plan."""
    sha, size, err = _sha(plan)
    if err:
        failed.append(err)
        return None, False, None
    return sha, store.known_files().get((plan, sha)) != "ok", size


def _triage(files: list[str], plan_sha: str | None, store, writer: _Writer,
            manifest: dict[str, _Entry]) -> list[str]:
    """Hash every input; record unreadable files, copies of stored contents and unchanged
    files without processing them.  Returns the files to process."""
    known, stored = store.known_files(), store.ok_sha()
    todo = []
    for path in files:
        sha, size, err = _sha(path)
        row = manifest[path] = _Entry(path, sha or None, error=err)
        if err:
            row.status = "error"
            writer.add(_Reused(path, "", "error", err), "report", None)
        elif plan_sha and sha == plan_sha:
            row.status, row.action = "skipped", "plan"
        elif known.get((path, sha)) in ("ok", "duplicate"):
            row.status, row.action = known[(path, sha)], "unchanged"
            row.n_documents = stored.get(sha, ("", 0))[1]
        elif sha in stored:
            writer.add(_Reused(path, sha), "report", size)
            row.status, row.action, row.n_documents = "ok", "reused", stored[sha][1]
        else:
            todo.append(path)
            row.size = size
    writer.flush()
    return todo


def main(args) -> int:
    from pipeline.executor import (freeze_heap, map_files, resolve_workers, start_early,
                                   stop_workers, warm_up)

    # first: the workers' models load while this process imports (0.35 s) and hashes files
    start_early(args.workers, args.engine)
    _system_allocator()
    from extractors.names import find_child_names
    from pipeline import consolidation, export
    from pipeline.rows import n_documents
    from pipeline.store import FILES_MEMORY_LIMIT, Store
    from pipeline.units import read_roster

    outdir = Path(args.outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    if args.plan:  # files are keyed by absolute path, so "a/x.txt" and "./a/x.txt" agree
        args.plan = os.path.abspath(args.plan)
    db = Path(args.db) if args.db else outdir / "ngreport.duckdb"
    files, missing = _inputs(args, outdir, db)
    manifest: dict[str, _Entry] = {}
    failed: list[str] = []
    for m in missing:
        manifest[m] = _Entry(m, status="error", error=f"{m}: no such file or folder",
                             action="missing")
        failed.append(manifest[m].error)

    with Store(db, names_fn=find_child_names) as store:
        if args.roster:
            store.set_roster(read_roster(args.roster))
        options = {k: v for k, v in vars(args).items() if k != "func"}
        run_id = store.begin_run(files, options)
        started = time.time()
        writer = _Writer(store, run_id)
        plan_sha, plan_todo, plan_size = (_plan_job(args.plan, store, failed) if args.plan
                                          else (None, False, None))
        todo = _triage(files, plan_sha, store, writer, manifest)
        jobs = [args.plan] * plan_todo + todo  # the plan first: committed before the reports
        if jobs and args.engine == "local" and resolve_workers(args.workers) == 1:
            warm_up()  # this process is the worker: its models load now, then the heap freezes
        elif jobs:
            if len(jobs) <= PRELOAD_FILES:  # imported while the workers' models load
                _preload()
            freeze_heap()
        bar = _progress(len(todo), args)
        work = functools.partial(process_for_store, run_id=run_id)
        with store.capped(FILES_MEMORY_LIMIT):
            for i, res in enumerate(map_files(work, jobs, workers=args.workers,
                                              engine=args.engine, scheduler=args.scheduler)):
                if plan_todo and i == 0:
                    res.sha256 = res.sha256 or plan_sha
                    writer.add(res, "plan", plan_size)
                    if res.status != "ok":
                        failed.append(res.error or f"{args.plan}: error")
                    continue
                row = manifest[str(res.path)]
                res.sha256 = res.sha256 or row.sha256
                writer.add(res, "report", row.size)
                row.status, row.error, row.size = res.status, res.error, None
                row.n_documents = n_documents(res) if res.status == "ok" else 0
                bar.update(1)
            bar.close()
            stop_workers()  # the fork server's models are not needed for consolidation
            writer.flush()
        for path in files:
            row = manifest[path]
            if row.status == "error":
                failed.append(row.error or f"{path}: error")
        n_processed = len(todo)
        run = {"run_id": run_id, "started": time.strftime("%Y-%m-%dT%H:%M:%S",
                                                          time.localtime(started)),
               "n_files": len(files), "n_processed": n_processed,
               "n_failed": len(failed), "inputs": list(args.inputs)}
        store.compact()  # checkpointed; large tables rewritten in large row groups
        cores = resolve_workers(args.workers) if args.engine == "local" else 1
        cons = consolidation.build(store, show_names=args.show_names, run=run, workers=cores,
                                   heads=False)  # kept from Parquet's streams
        cons.run["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S")
        cons.run["n_documents"] = len(cons.documents)
        store.finish_run(run_id, n_files=len(files), n_processed=n_processed,
                         n_skipped=len(files) - n_processed, n_documents=len(cons.documents),
                         n_failed=len(failed))
        store.reattach()  # the derived tables' rows pinned in DuckDB's pool, row groups' metadata
        parallel = cores > 1 and cons.counts()["quantities"] <= PARALLEL_RENDER_ROWS
        if parallel:
            cons.read_heads()
            with store.lean():  # the renderers fork now
                rendered = _start_render(cons, outdir, cores)
        else:
            _release_memory()  # the build's garbage, before Parquet's sort needs room
        data_error = _render_one(*_DATA, outdir, cons)
        store.evict()  # the blocks of Parquet's sorts, before the first rows are read back
        cons.read_heads()  # the first rows for Excel, Word and HTML, kept by Parquet's streams
        cons.detail = None  # it reads the store, which closes here
    export.write_manifest((manifest[k].line() for k in [*missing, *files]),
                          outdir / "manifest.jsonl")
    if not parallel:  # one worker, or a large corpus (the smaller peak): one at a time
        rendered = _start_render(cons, outdir, 1)
    render_errors = [e for e in [data_error] if e] + rendered()
    for line in failed:
        print(f"failed: {line}", file=sys.stderr)
    for line in render_errors:
        print(f"output not written: {line}", file=sys.stderr)
    print(f"ngreport run: {len(files)} files ({n_processed} processed, "
          f"{len(files) - n_processed} unchanged), {len(cons.documents)} documents, "
          f"{len(failed)} failed, {cons.counts()['flags']} flags -> {outdir}", file=sys.stderr)
    return 2 if failed else (1 if render_errors else 0)
