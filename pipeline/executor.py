"""Map the per-file unit of work over files: in this process, in worker processes, or on Dask.

Results always come back in input order, as an iterator, so callers can stream them
into the store without holding every document in memory.  At most ``window`` tasks are
in flight at a time (default: 64 per local worker process, 8 per Dask worker thread), and
no more than ``budget`` bytes of input files (default :data:`IN_FLIGHT_BYTES`; one task is
always allowed), so memory stays flat however many files there are: a result that
arrives early waits in the window until the ones before it are yielded.  The local window
is wide so that workers keep going while the caller commits a group of results (a few
hundred milliseconds), instead of waiting for it.

* ``engine="local", workers=1``: a plain loop in this process.
* ``engine="local", workers=N``: a :class:`concurrent.futures.ProcessPoolExecutor` of N
  worker processes (``forkserver`` start method; the fork server imports
  :mod:`pipeline.warm`, which loads jieba, the classifier and every lazy resource, so
  workers fork warm); each worker limits BLAS/OpenMP to one thread and runs
  ``initializer`` (default :func:`warm_up`, then nearly free).
* ``engine="dask"``: tasks go to a Dask distributed cluster (``scheduler`` address such
  as ``tcp://host:8786``), or to a fresh :class:`dask.distributed.LocalCluster` of
  ``workers`` single-threaded worker processes when no address is given.  Workers run
  :func:`warm_up` once through a worker plugin.  Paths must be readable by every
  worker (a shared filesystem); see docs/SCALING.md.

Exceptions raised by ``fn`` propagate to the caller at the position of the failing
item (``process_file`` itself never raises: it returns an error result).
"""
from __future__ import annotations

import itertools
import multiprocessing
import os
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

#: a short report that exercises every pipeline stage once (segmenter, model, lexicons)
_WARM_TEXT = (
    "某县关工委2023年工作总结\n"
    "一、关爱帮扶\n"
    "全年共开展活动12场，其中法治讲座5场、红色故事会7场，1200多名中小学生参加，"
    "筹集助学资金3.5万元，资助困难学生46名，占全县困难学生的85%。\n"
    "二、存在的问题\n一是经费不足；二是人员兼职。\n"
    "三、下一步工作\n力争全年开展活动不少于20场。\n"
)


def warm_up() -> None:
    """Load every lazily loaded resource of the pipeline once (in a worker process)."""
    try:
        import jieba

        jieba.setLogLevel(60)
        from extractors.features import pos_tokenizer

        pos_tokenizer().tokenizer.initialize()  # the one dictionary the pipeline segments with
    except Exception:  # noqa: BLE001 - warming up is an optimisation only
        pass
    try:
        from pipeline.process import process_text

        process_text(_WARM_TEXT, source="<warm-up>")
    except Exception:  # noqa: BLE001
        pass
    freeze_heap()


def freeze_heap() -> None:
    """Put every object alive now out of the cyclic garbage collector's sight
    (``gc.freeze``): the models and modules loaded so far live as long as the process, yet
    each full collection would walk them all again (about 70 ms, some twenty times in a
    2,000-report run) and, in a forked worker, write to the pages it shares with the fork
    server.  Objects made later are collected as usual."""
    import gc

    gc.collect()
    gc.freeze()


def single_threaded() -> None:
    """Limit native thread pools (OpenBLAS, OpenMP) to one thread in this process: with one
    worker process per core, a BLAS pool per worker would oversubscribe the CPUs."""
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=1)
    except Exception:  # noqa: BLE001 - threadpoolctl comes with scikit-learn
        pass


def _worker_init(initializer: Callable[[], None] | None) -> None:
    single_threaded()
    if initializer is not None:
        initializer()


def default_workers() -> int:
    """The CPUs this process may use (cgroup/affinity aware where the OS says)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def resolve_workers(workers: int | None) -> int:
    """The number of worker processes ``workers`` asks for (None or <= 0: all CPUs)."""
    return default_workers() if workers is None or workers <= 0 else workers


def map_files(fn: Callable[[Any], Any], paths: Iterable[Any], workers: int = 1,
              engine: str = "local", scheduler: str | None = None,
              initializer: Callable[[], None] | None = warm_up,
              window: int | None = None, budget: int | None = None) -> Iterator[Any]:
    """Apply ``fn`` to each path and yield the results in input order.

    ``workers`` <= 0 means all CPUs.  ``fn`` must be picklable (a module-level function)
    when it runs in other processes.  ``window`` bounds the tasks in flight, ``budget``
    the bytes of their input files.
    """
    workers = resolve_workers(workers)
    if engine == "dask":
        return _map_dask(fn, paths, workers, scheduler, initializer, window, budget)
    if engine != "local":
        raise ValueError(f"unknown engine {engine!r} (local, dask)")
    if scheduler:
        raise ValueError("--scheduler needs --engine dask")
    if workers == 1:
        return (fn(p) for p in paths)
    return _map_processes(fn, paths, workers, initializer, window, budget)


#: Input bytes in flight at most (besides the window's task count): a batch of large
#: files keeps only a few of them, and their results, in memory at a time.
IN_FLIGHT_BYTES = 64 << 20


def _input_size(path: Any) -> int:
    try:
        return os.path.getsize(path)
    except (OSError, TypeError, ValueError):
        return 0


def _ordered(submit: Callable[[Any], Any], result: Callable[[Any], Any], paths: Iterable[Any],
             window: int, budget: int | None = None) -> Iterator[Any]:
    """Keep up to ``window`` tasks and ``budget`` bytes of input in flight (at least one
    task); yield results in submission order."""
    budget = IN_FLIGHT_BYTES if budget is None else budget
    it = iter(paths)
    pending: deque = deque()  # (future, its input's size)
    held = 0
    nxt = next(it, _END)
    size = _input_size(nxt) if nxt is not _END else 0
    while pending or nxt is not _END:
        while nxt is not _END and len(pending) < window and (not pending or held + size <= budget):
            pending.append((submit(nxt), size))
            held += size
            nxt = next(it, _END)
            size = _input_size(nxt) if nxt is not _END else 0
        fut, done = pending.popleft()
        held -= done
        yield result(fut)


_END = object()


def _context():
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        # the fork server loads the pipeline and its models once; workers fork from it warm
        ctx.set_forkserver_preload(["pipeline.warm"])
        return ctx
    return multiprocessing.get_context("spawn")


def start_early(workers: int = 1, engine: str = "local") -> None:
    """Start the fork server now, so it loads the models while the caller does other work
    (finding and hashing files); a later :func:`map_files` forks its workers from it."""
    if engine == "local" and resolve_workers(workers) > 1:
        ctx = _context()
        if ctx.get_start_method() == "forkserver":
            from multiprocessing import forkserver

            forkserver.ensure_running()


def stop_workers() -> None:
    """Stop the fork server once the per-file work is done: it holds a warm copy of the
    models that nothing needs any more (the standard library only has a private API for
    this; where it is missing the server simply lives until the process exits).

    Its workers have exited (the pool is shut down) and it holds nothing to save, so it is
    ended with SIGTERM before being reaped: asked to stop, it would tear its models down
    object by object while the caller waits (0.4 s)."""
    import signal
    from multiprocessing import forkserver

    server = getattr(forkserver, "_forkserver", None)
    stop = getattr(server, "_stop", None)
    if stop is not None:
        try:
            pid = getattr(server, "_forkserver_pid", None)
            if pid is not None:
                os.kill(pid, signal.SIGTERM)
            stop()  # closes its pipe and reaps it
        except Exception:  # noqa: BLE001 - memory only
            pass


#: Bytes the pipe carrying results back may hold (Linux; the default is 64 KiB).
RESULT_PIPE_BYTES = 1 << 20


def _roomy_result_pipe(pool: ProcessPoolExecutor) -> None:
    """Let the workers' result pipe hold several results (a report's rows pickle to about
    80 KB, more than the default 64 KiB).  While the caller commits a group of results,
    this process's executor thread waits for the GIL and does not read the pipe; with room
    for one result only, each worker stopped after its next file until the commit ended:
    1.0-1.1 core-seconds idle in the files phase of a 2,000-report run with two workers,
    0.3-0.4 with the larger pipe.  Linux only (F_SETPIPE_SZ); elsewhere, or if the pool's
    private attributes change, nothing happens."""
    try:
        import fcntl

        fd = pool._result_queue._writer.fileno()  # noqa: SLF001 - no public handle
        fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), RESULT_PIPE_BYTES)
    except (AttributeError, ImportError, OSError, ValueError):
        pass


#: Files each worker process handles before its pool is replaced by a fresh one.  A worker's
#: memory grows as it runs: its bounded caches fill and its heap fragments (about 90 MB
#: of its own at the start of a 32,000-report run, 145 MB by its end); fresh workers fork
#: warm from the fork server in a fraction of a second.  (``max_tasks_per_child`` would do
#: this per worker, but can deadlock on the Python versions this supports: CPython
#: issue 115634, present from 3.11 until its 2026 fix.)
RECYCLE_FILES = 4000


def _map_processes(fn: Callable[[Any], Any], paths: Iterable[Any], workers: int,
                   initializer: Callable[[], None] | None, window: int | None,
                   budget: int | None) -> Iterator[Any]:
    ctx = _context()
    it = iter(paths)
    while batch := list(itertools.islice(it, RECYCLE_FILES * workers)):
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx,
                                   initializer=_worker_init, initargs=(initializer,))
        _roomy_result_pipe(pool)
        try:
            yield from _ordered(lambda p, pool=pool: pool.submit(fn, p), Future.result, batch,
                                window or 64 * workers, budget)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def _dask_plugin(initializer: Callable[[], None]):
    from distributed import WorkerPlugin

    class _WarmUp(WorkerPlugin):
        name = "ngreport-warm-up"

        def setup(self, worker) -> None:  # noqa: ARG002 - Dask's signature
            _worker_init(initializer)

    return _WarmUp()


def _map_dask(fn: Callable[[Any], Any], paths: Iterable[Any], workers: int,
              scheduler: str | None, initializer: Callable[[], None] | None,
              window: int | None, budget: int | None) -> Iterator[Any]:
    try:
        from distributed import Client, LocalCluster
    except ImportError as e:  # pragma: no cover - dask is a dev/cluster extra
        raise RuntimeError("--engine dask needs dask[distributed] (pip install 'dask[distributed]')") from e
    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    try:
        register = getattr(client, "register_plugin", None) or client.register_worker_plugin
        register(_dask_plugin(initializer))
        n_threads = sum(client.nthreads().values()) or workers
        counter = itertools.count()
        run = uuid.uuid4().hex[:12]

        def submit(p: Any) -> Any:
            return client.submit(fn, p, key=f"ngreport-{run}-{next(counter)}", pure=False)

        def result(fut: Any) -> Any:
            res = fut.result()
            fut.release()
            return res

        yield from _ordered(submit, result, paths, window or 8 * n_threads, budget)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
