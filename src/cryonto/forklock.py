"""A module-level lock that `os.fork` cannot leave held in the child.

The endpoint forks its zygote from a process whose other threads may be inside a
lock-guarded section (the guard's parser, the category cache). A child inherits such a
lock held, by a thread that does not exist there, and its first use waits forever:
every query of that server then timed out. A fork therefore waits until the lock is
free, and the child starts with a fresh one.
"""

from __future__ import annotations

import os
import threading


class ForkSafeLock:
    """`threading.Lock` for module state: taken around every fork, new in the child.

    Not re-entrant, like `threading.Lock`; never fork while holding it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(before=self._hold, after_in_parent=self._release,
                                after_in_child=self._renew)

    def _hold(self) -> None:
        self._lock.acquire()

    def _release(self) -> None:
        self._lock.release()

    def _renew(self) -> None:
        self._lock = threading.Lock()

    def locked(self) -> bool:
        return self._lock.locked()

    def __enter__(self) -> ForkSafeLock:
        self._lock.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self._lock.release()
