"""While a file is taken in, cycles are collected every few batches instead of all the time
(signals/collector.py); a long-running process must get its collector back whatever happens."""

from __future__ import annotations

import gc
import weakref

import pytest

from signals.collector import collecting_every


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the cycle collector frees it


def test_cycles_are_collected_every_few_batches() -> None:
    with collecting_every(3) as collector:
        assert not gc.isenabled()
        node = Node()
        gone = weakref.ref(node)
        del node
        collector.batch_done()
        collector.batch_done()
        assert gone() is not None  # not yet: memory grows for at most `every` batches
        collector.batch_done()
        assert gone() is None
    assert gc.isenabled()


def test_the_collector_is_back_after_a_failed_or_overlapping_intake() -> None:
    with pytest.raises(RuntimeError), collecting_every():
        raise RuntimeError("storing failed")
    assert gc.isenabled()

    first = collecting_every()
    first.__enter__()
    with collecting_every():
        pass
    assert not gc.isenabled()  # the first intake is still running
    first.__exit__(None, None, None)
    assert gc.isenabled()


def test_a_process_that_had_it_off_keeps_it_off() -> None:
    gc.disable()
    try:
        with collecting_every():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
