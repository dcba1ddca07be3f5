"""pipeline.forked.Deferred: a result computed in a forked child equals the caller's own,
and a child that fails or dies leaves the caller computing it itself."""
from __future__ import annotations

import os

import numpy as np
import pytest

from pipeline.forked import Deferred


def _scores(rows: np.ndarray) -> tuple[int, np.ndarray]:
    return os.getpid(), rows @ rows.T


def test_forked_result_is_computed_in_a_child_and_equals_the_inline_one():
    rows = np.random.default_rng(3).random((200, 50))
    pid, forked = Deferred(_scores, rows, fork=True).result()
    assert pid != os.getpid()  # really computed elsewhere
    own_pid, inline = Deferred(_scores, rows).result()
    assert own_pid == os.getpid()
    np.testing.assert_array_equal(forked, inline)


def _dies_in_child(parent: int) -> int:
    if os.getpid() != parent:
        os._exit(3)  # killed without answering
    return os.getpid()


def test_a_child_that_dies_is_replaced_by_the_caller():
    d = Deferred(_dies_in_child, os.getpid(), fork=True)
    assert d.forked
    assert d.result() == os.getpid()


def _fails(parent: int) -> None:
    raise ValueError(f"bad input (in {'the caller' if os.getpid() == parent else 'a child'})")


def test_a_failure_is_raised_in_the_caller_as_the_serial_run_raises_it():
    with pytest.raises(ValueError, match="in the caller"):
        Deferred(_fails, os.getpid(), fork=True).result()


@pytest.mark.parametrize("fork", [True, False])
def test_result_is_taken_once_and_kept(fork):
    """A second ``result()`` gives the first one's object: the build takes plan coverage's
    early (to end its child) and the gap lists ask again; nothing is computed twice."""
    calls = []

    def scores(rows):
        calls.append(os.getpid())
        return _scores(rows)
    d = Deferred(scores, np.ones((3, 3)), fork=fork)
    first = d.result()
    assert d.result() is first and not d.forked
    assert first[0] != os.getpid() if fork else first[0] == os.getpid()
    assert calls == ([] if fork else [os.getpid()])  # the child's call is not seen here
