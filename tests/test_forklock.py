"""A fork while another thread holds a module lock: the child must not inherit it held.

The endpoint's zygote is forked from a process with other threads; when one of them was
inside the guard's parser at that moment, every worker of that server waited forever on
the parser lock (the serve tests timed out now and then).
"""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from cryonto.forklock import ForkSafeLock
from cryonto.rdf import guard

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def _fork_while_held(lock, use_in_child, wait: float = 10) -> int:
    """Hold `lock` in a thread, fork meanwhile; the child's exit status (-1: it hung)."""
    holding, release = threading.Event(), threading.Event()

    def holder() -> None:
        with lock:
            holding.set()
            release.wait(5)

    thread = threading.Thread(target=holder)
    thread.start()
    holding.wait(5)
    threading.Timer(0.3, release.set).start()  # the fork below waits for this at most
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 1
        try:
            use_in_child()
            code = 0
        finally:
            os._exit(code)
    thread.join()
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return -1


def test_the_guard_parses_in_a_child_forked_while_another_thread_parses():
    assert _fork_while_held(guard._PARSE_LOCK, lambda: guard.check("ASK {}")) == 0


def test_a_plain_lock_would_hang_the_child():
    """The control: the same fork with a `threading.Lock` leaves the child waiting."""
    plain = threading.Lock()

    def use() -> None:
        with plain:
            pass

    assert _fork_while_held(plain, use, wait=3) == -1


def test_a_fork_waits_for_the_lock_and_the_parent_keeps_it_usable():
    lock = ForkSafeLock()
    assert _fork_while_held(lock, lambda: lock.__enter__()) == 0
    with lock:
        assert lock.locked()
    assert not lock.locked()
