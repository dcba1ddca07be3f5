"""pipeline.executor: worker processes and Dask give exactly what one process gives."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pipeline.executor import map_files
from pipeline.process import process_file
from pipeline.synth import generate


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> list[str]:
    out = generate(6, 1, seed=11, outdir=tmp_path_factory.mktemp("synth"), formats=["txt"],
                   target_chars=2500, truth=False)
    return sorted(str(p) for p in (out / "txt").glob("*.txt"))


def _fingerprint(res) -> str:
    return json.dumps({"path": str(res.path), "status": res.status, "error": res.error,
                       "docs": [d.to_dict() for d in res.documents]},
                      ensure_ascii=False, sort_keys=True, default=str)


@pytest.fixture(scope="module")
def serial(reports) -> list[str]:
    return [_fingerprint(r) for r in map_files(process_file, reports)]


def test_serial_results_are_real(serial, reports):
    assert len(serial) == len(reports)
    docs = [json.loads(s) for s in serial]
    assert all(d["status"] == "ok" for d in docs)
    assert sum(len(doc["quantities"]) for d in docs for doc in d["docs"]) > 50


def test_processes_match_serial(serial, reports):
    got = [_fingerprint(r) for r in map_files(process_file, reports, workers=2, window=3)]
    assert got == serial


def test_order_kept_and_errors_surface_in_place(reports, tmp_path):
    sizes = list(map_files(os.path.getsize, reports, workers=2, window=2, initializer=None))
    assert sizes == [os.path.getsize(p) for p in reports]
    bad = reports[:2] + [str(tmp_path / "missing.txt")] + reports[2:]
    it = map_files(os.path.getsize, bad, workers=2, window=2, initializer=None)
    assert [next(it), next(it)] == sizes[:2]
    with pytest.raises(FileNotFoundError):
        next(it)


def test_window_and_byte_budget_bound_the_tasks_in_flight(tmp_path):
    from pipeline.executor import _ordered

    sizes = [10, 10, 50, 10, 10, 80, 10]
    paths = []
    for i, n in enumerate(sizes):
        (tmp_path / f"{i}.txt").write_bytes(b"x" * n)
        paths.append(str(tmp_path / f"{i}.txt"))
    live: set[str] = set()
    most = {"tasks": 0, "bytes": 0}  # the most tasks, and bytes of several tasks, in flight

    def submit(p):
        live.add(p)
        most["tasks"] = max(most["tasks"], len(live))
        if len(live) > 1:
            most["bytes"] = max(most["bytes"], sum(os.path.getsize(q) for q in live))
        return p

    def result(p):
        live.discard(p)
        return os.path.getsize(p)

    assert list(_ordered(submit, result, paths, window=3, budget=70)) == sizes
    assert most == {"tasks": 3, "bytes": 70}  # 10+10+50 fit; the 80-byte file went alone
    most.update(tasks=0, bytes=0)
    assert list(_ordered(submit, result, paths, window=3, budget=40)) == sizes
    assert most == {"tasks": 2, "bytes": 20}  # the 50 (and the 80) went alone, the 10s in pairs
    most.update(tasks=0, bytes=0)
    assert list(_ordered(submit, result, paths, window=2, budget=10**6)) == sizes
    assert most["tasks"] == 2
    assert list(_ordered(submit, result, [], window=2, budget=1)) == []


@pytest.mark.skipif(not os.path.exists("/proc/sys/fs/pipe-max-size"), reason="Linux pipes")
def test_result_pipe_holds_several_reports():
    """A report's rows pickle to about 80 KB: the pipe back from the workers must hold
    more than one, or workers wait while the caller commits."""
    import fcntl
    from concurrent.futures import ProcessPoolExecutor

    from pipeline.executor import RESULT_PIPE_BYTES, _roomy_result_pipe

    limit = int(Path("/proc/sys/fs/pipe-max-size").read_text())
    get_size = getattr(fcntl, "F_GETPIPE_SZ", 1032)
    with ProcessPoolExecutor(1) as pool:
        fd = pool._result_queue._writer.fileno()
        before = fcntl.fcntl(fd, get_size)
        _roomy_result_pipe(pool)
        after = fcntl.fcntl(fd, get_size)
    assert before < 2 * 80_000 <= after == min(RESULT_PIPE_BYTES, limit)


def _frozen(_path) -> int:
    import gc

    return gc.get_freeze_count()


def test_workers_start_with_the_warm_up_frozen(reports):
    """The fork server freezes what warm-up loaded (``freeze_heap``): the workers' full
    collections skip the models, and leave the pages they share with the server alone."""
    assert min(map_files(_frozen, reports[:4], workers=2)) > 10_000


def test_bad_engine_and_scheduler_without_dask():
    with pytest.raises(ValueError):
        list(map_files(len, ["a"], engine="spark"))
    with pytest.raises(ValueError):
        list(map_files(len, ["a"], scheduler="tcp://127.0.0.1:8786"))


@pytest.fixture(scope="module")
def dask_cluster():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    yield cluster
    cluster.close()


def test_dask_matches_serial(serial, reports, dask_cluster):
    got = [_fingerprint(r) for r in map_files(process_file, reports, engine="dask",
                                              scheduler=dask_cluster.scheduler_address,
                                              window=3)]
    assert got == serial


def test_run_on_dask_stores_the_same_database(reports, dask_cluster, tmp_path):
    pytest.importorskip("pipeline.run")
    from pipeline.cli import main
    from pipeline.store import snapshot

    folder = os.path.dirname(reports[0])
    one, dask = tmp_path / "one", tmp_path / "dask"
    assert main(["run", folder, "-o", str(one), "--workers", "1", "--no-progress"]) in (0, 1)
    assert main(["run", folder, "-o", str(dask), "--engine", "dask", "--scheduler",
                 dask_cluster.scheduler_address, "--no-progress"]) in (0, 1)
    a, b = snapshot(one / "ngreport.duckdb"), snapshot(dask / "ngreport.duckdb")
    assert a.keys() == b.keys()
    assert len(a["documents"]) == len(reports)
    for name in a:
        assert a[name].equals(b[name]), name


@pytest.mark.parametrize("parallel", [True, False], ids=["outputs-at-once", "one-at-a-time"])
def test_run_with_two_workers_writes_what_one_writes(reports, tmp_path, monkeypatch, parallel):
    """``--workers 2``: rows built in worker processes, plan coverage computed in a forked
    child beside the cross-document checks, Excel, Word and HTML written by forked processes
    at once while Parquet is written (for a large corpus, one at a time after it); the store
    and every output match a one-worker run."""
    import pandas as pd

    from pipeline import run
    from pipeline.cli import main
    from pipeline.store import VOLATILE, snapshot

    monkeypatch.setattr(run, "PARALLEL_RENDER_ROWS", run.PARALLEL_RENDER_ROWS if parallel else -1)

    folder = os.path.dirname(reports[0])
    given = ["--plan", os.path.join(folder, "..", "plan.txt"),
             "--roster", os.path.join(folder, "..", "roster.csv"), "--no-progress"]
    one, two = tmp_path / "one", tmp_path / "two"
    assert main(["run", folder, "-o", str(one), "--workers", "1", *given]) == 0
    assert main(["run", folder, "-o", str(two), "--workers", "2", *given]) == 0
    a, b = snapshot(one / "ngreport.duckdb"), snapshot(two / "ngreport.duckdb")
    assert len(a["documents"]) == len(reports) + 1 and len(a["quantities"]) > 0  # + the plan
    assert (a["gaps"]["gap_type"] == "plan_item_uncovered").any()
    for name in a:
        assert a[name].equals(b[name]), name
    for name in ("consolidated.xlsx", "consolidated-report.docx", "report.html", "manifest.jsonl"):
        assert (two / name).stat().st_size > 0, name
    parquet = sorted(p.name for p in (one / "data").glob("*.parquet"))
    assert parquet and parquet == sorted(p.name for p in (two / "data").glob("*.parquet"))
    def table(path):  # run ids and timestamps differ between any two runs
        df = pd.read_parquet(path)
        return df.drop(columns=[c for c in df.columns if c in VOLATILE])

    for name in parquet:
        assert table(one / "data" / name).equals(table(two / "data" / name)), name


def _pid(path: str) -> tuple[str, int]:
    return path, os.getpid()


def test_workers_are_replaced_every_few_files(reports, serial, monkeypatch):
    """Every ``RECYCLE_FILES`` files per worker a fresh pool takes over (memory the workers
    gathered goes with them); results still come back in input order."""
    from pipeline import executor

    monkeypatch.setattr(executor, "RECYCLE_FILES", 2)
    paths = reports * 2  # 12 files: 3 pools of 2 workers
    out = list(map_files(_pid, paths, workers=2))
    assert [p for p, _ in out] == paths
    pools = [{pid for _, pid in out[i:i + 4]} for i in range(0, 12, 4)]
    assert all(len(pids) <= 2 for pids in pools)
    assert not pools[0] & pools[1] and not pools[1] & pools[2]
    assert [_fingerprint(r) for r in map_files(process_file, reports, workers=2)] == serial
