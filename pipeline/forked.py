"""One computation run in a forked child while the caller goes on.

The consolidation's independent parts (plan coverage, then the checks of figures, beside
the copied-passage search, the aggregates and the gap lists) run side by side when several
cores were asked for.  The child inherits its inputs from the parent's memory
(copy-on-write, nothing is pickled on the way in) and sends its result back through a pipe.
It must not touch the parent's DuckDB connection: what it needs is read before the fork.

Without ``fork`` (one core asked for, or no fork on this platform) the call simply runs in
the caller when its result is asked for.  If the child dies or fails, the computation is
run again in the caller, so the result (or the exception) is the one the serial run gives.
"""
from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from typing import Any


def _child(conn, fn: Callable[..., Any], args: tuple) -> None:
    try:
        conn.send((True, fn(*args)))
    except BaseException as e:  # noqa: BLE001 - reported to the parent, which runs it again
        conn.send((False, f"{type(e).__name__}: {e}"))
    finally:
        conn.close()


class Deferred:
    """``fn(*args)``, computed in a forked child (``fork=True``) or in the caller when
    :meth:`result` is called."""

    def __init__(self, fn: Callable[..., Any], *args: Any, fork: bool = False):
        self._fn, self._args, self._proc, self._recv = fn, args, None, None
        self._done, self._value = False, None
        if fork and "fork" in multiprocessing.get_all_start_methods():
            ctx = multiprocessing.get_context("fork")
            self._recv, send = ctx.Pipe(duplex=False)
            self._proc = ctx.Process(target=_child, args=(send, fn, args), daemon=True)
            self._proc.start()
            send.close()

    @property
    def forked(self) -> bool:
        return self._proc is not None

    def result(self) -> Any:
        """The result (computed once: later calls give the same object); a forked child
        is reaped here, so its memory goes as soon as the result is taken."""
        if not self._done:
            self._value, self._done = self._take(), True
            self._args = ()  # the inputs are not needed any more
        return self._value

    def _take(self) -> Any:
        if self._proc is None:
            return self._fn(*self._args)
        try:
            ok, value = self._recv.recv()
        except (EOFError, OSError):  # the child died before answering
            ok, value = False, None
        finally:
            self._recv.close()
            self._proc.join()
            self._proc = None
        return value if ok else self._fn(*self._args)
