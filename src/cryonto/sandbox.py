"""Evaluate SPARQL in child processes that cannot reach the network and can be stopped.

Why this exists: pyoxigraph (0.5) gives Python no way to turn SERVICE off or to
give it a handler of ours (`Store.query` has no such option; Oxigraph's Rust
``QueryOptions::with_service_handler`` is not exposed), its HTTP client is Rust
code that Python audit hooks do not see, and a running query cannot be
cancelled. `cryonto.rdf.guard` refuses SERVICE; this module makes sure that a
SERVICE that got past the guard still reaches nothing, and that a query past
its limits really stops.

* `isolate_network` moves the calling process into a new, empty Linux network
  namespace: ``unshare(CLONE_NEWNET)`` as root (or with CAP_SYS_ADMIN), else
  ``unshare(CLONE_NEWUSER | CLONE_NEWNET)`` (unprivileged user namespaces).
  The only interface there is a loopback that is down, so every connect fails
  (ENETUNREACH), 127.0.0.1 included, and so does DNS.
* `run_isolated` forks one child, isolates it, runs a function there and
  returns its bytes (``cryonto query`` and `cryonto.queries.run_query`).
* `Zygote` serves the endpoint: a process forked once from the server after
  the store is loaded (for ``cryonto serve``: before uvicorn starts any
  thread), which isolates itself and then forks one worker per query. A worker
  caps its own address space (RLIMIT_AS), CPU seconds (RLIMIT_CPU) and wall
  time (an interval timer whose SIGALRM kills it, whatever the engine is doing),
  so a query past its timeout stops using CPU and frees its slot.

Where network isolation is unavailable (not Linux; a container without
CAP_SYS_ADMIN where user namespaces are off) queries still run in a child
process, so timeouts and memory caps hold, but that child has the network of
its parent: then the guard alone keeps SERVICE from the network.
`network_isolation()` tells which, and ``cryonto serve`` says it at start.
Without ``os.fork`` (Windows) queries run in the calling process.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import faulthandler
import gc
import json
import math
import os
import resource
import selectors
import signal
import socket
import struct
import sys
import time
from collections.abc import Callable, Iterable

from cryonto.errors import CryontoError

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
_PR_SET_PDEATHSIG = 1

#: a frame: 4-byte header length, JSON header, 8-byte body length, body
_HEAD = struct.Struct(">I")
_BODY = struct.Struct(">Q")
MAX_HEADER = 1 << 20

Send = Callable[[dict, bytes], None]


class Stopped(CryontoError):
    """The child evaluating a query was stopped by a limit (time or memory) or crashed."""


# -- the operating system side ------------------------------------------------------

def isolate_network() -> bool:
    """Put this (single-threaded) process into an empty network namespace; False if impossible."""
    if not sys.platform.startswith("linux"):
        return False
    return any(_unshare(flags) for flags in (CLONE_NEWNET, CLONE_NEWUSER | CLONE_NEWNET))


def _unshare(flags: int) -> bool:
    unshare = getattr(os, "unshare", None)  # Python 3.12+
    if unshare is not None:
        try:
            unshare(flags)
            return True
        except OSError:
            return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.unshare(ctypes.c_int(flags)) == 0
    except (OSError, AttributeError):
        return False


_ISOLATION: bool | None = None


def network_isolation() -> bool:
    """Whether evaluating children here get no network (probed once, in a child)."""
    global _ISOLATION
    if _ISOLATION is None:
        if not hasattr(os, "fork"):
            _ISOLATION = False
        else:
            try:
                _ISOLATION = run_isolated(lambda: b"1" if _no_network() else b"0") == b"1"
            except CryontoError:
                _ISOLATION = False
    return _ISOLATION


def _no_network() -> bool:
    """True if nothing answers a connect to the loopback (run after `isolate_network`)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.settimeout(1)
            probe.connect(("127.0.0.1", 9))
    except OSError as error:
        return error.errno in (101, 99)  # ENETUNREACH, EADDRNOTAVAIL: no usable interface
    return False


def limit(memory: int | None, seconds: float | None) -> None:
    """Cap this process: `memory` more bytes of address space, `seconds` of wall and CPU time."""
    if memory:
        cap_memory(memory)
    if seconds:
        arm(seconds)


def address_space() -> int:
    """Bytes of address space this process has mapped now."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


def cap_memory(memory: int) -> int:
    """Allow `memory` bytes of address space beyond what is mapped now (RLIMIT_AS); the base.

    A Rust allocation failure past the cap ends the process with a two-line note on
    stderr, not a stack trace.
    """
    os.environ["RUST_BACKTRACE"] = "0"
    base = address_space()
    resource.setrlimit(resource.RLIMIT_AS, (base + memory, base + memory))
    return base


def arm(seconds: float) -> None:
    """End this process after `seconds` of wall time or of CPU time, whatever it is doing.

    SIGALRM with its default action ends the process even inside a long engine
    step that never returns to Python; RLIMIT_CPU (soft, SIGXCPU) backs it up.
    """
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001))
    used = resource.getrusage(resource.RUSAGE_SELF)
    cpu = math.ceil(used.ru_utime + used.ru_stime + seconds) + 1
    hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
    if hard == resource.RLIM_INFINITY or cpu < hard:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, hard))


def disarm() -> None:
    """Undo `arm` once a job is done (the worker lives on for the next one)."""
    signal.setitimer(signal.ITIMER_REAL, 0)
    hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
    resource.setrlimit(resource.RLIMIT_CPU, (hard, hard))


def _die_with_parent() -> None:
    """Die with the parent; and stay quiet when a limit ends us (no Python stack dump)."""
    faulthandler.disable()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


# -- one child for one call (the command line and the Python API) -------------------

def run_isolated(fn: Callable[..., bytes], *args: object, timeout: float | None = None,
                 memory: int | None = None) -> bytes:
    """``fn(*args)`` evaluated in a forked child without network; its bytes.

    A `CryontoError` in the child is raised here with its message; a child
    stopped by `timeout` seconds or by `memory` raises `Stopped`.
    """
    if not hasattr(os, "fork"):
        return fn(*args)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child; coverage does not follow os._exit
        code = 0
        try:
            os.close(read_end)
            _die_with_parent()
            isolate_network()
            limit(memory, timeout)
            try:
                payload = b"K" + fn(*args)
            except CryontoError as error:
                payload = b"E" + str(error).encode("utf-8", "replace")
            except MemoryError:
                payload = b"M"
            with os.fdopen(write_end, "wb") as out:
                out.write(payload)
        except BaseException:
            code = 70
        finally:
            os._exit(code)
    os.close(write_end)
    try:
        with os.fdopen(read_end, "rb") as answer:
            data = answer.read()
        _, status = os.waitpid(pid, 0)
    except BaseException:  # Ctrl-C while waiting: the child must not outlive us
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        raise
    if data[:1] == b"K" and status == 0:
        return data[1:]
    if data[:1] == b"E":
        raise CryontoError(data[1:].decode("utf-8", "replace"))
    raise Stopped(_why(status, bool(data), timeout, memory))


def _why(status: int, answered: bool, timeout: float | None, memory: int | None) -> str:
    if os.WIFSIGNALED(status) and os.WTERMSIG(status) in (signal.SIGALRM, signal.SIGXCPU,
                                                          signal.SIGKILL):
        return f"the query was stopped after {timeout:g} s (time limit)" if timeout else \
            "the query was stopped"
    if memory and (answered or os.WIFSIGNALED(status)):
        return (f"the query was stopped: it needed more than {memory // 2**20} MiB of memory "
                "(memory limit)")
    return "the query process ended without an answer"


# -- frames on a socket ----------------------------------------------------------------

def pack(header: dict, body: bytes = b"") -> bytes:
    head = json.dumps(header, ensure_ascii=False).encode("utf-8")
    return _HEAD.pack(len(head)) + head + _BODY.pack(len(body)) + body


def _recv_exact(sock: socket.socket, size: int) -> bytes | None:
    chunks, got = [], 0
    while got < size:
        chunk = sock.recv(min(size - got, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def read_frame(sock: socket.socket, max_body: int) -> tuple[dict, bytes] | None:
    """One frame from a blocking socket; None at end of stream."""
    raw = _recv_exact(sock, _HEAD.size)
    if raw is None or (size := _HEAD.unpack(raw)[0]) > MAX_HEADER:
        return None
    head = _recv_exact(sock, size)
    raw = _recv_exact(sock, _BODY.size)
    if head is None or raw is None or (length := _BODY.unpack(raw)[0]) > max_body:
        return None
    body = _recv_exact(sock, length)
    return None if body is None else (json.loads(head), body)


async def _arecv_exact(sock: socket.socket, size: int) -> bytes | None:
    loop = asyncio.get_running_loop()
    buffer = bytearray(size)
    view, got = memoryview(buffer), 0
    while got < size:
        n = await loop.sock_recv_into(sock, view[got:])
        if n == 0:
            return None
        got += n
    return bytes(buffer)


async def aread_frame(sock: socket.socket, max_body: int) -> tuple[dict, bytes] | None:
    """One frame from a non-blocking socket, on the event loop; None at end or if too big."""
    raw = await _arecv_exact(sock, _HEAD.size)
    if raw is None or (size := _HEAD.unpack(raw)[0]) > MAX_HEADER:
        return None
    head = await _arecv_exact(sock, size)
    raw = await _arecv_exact(sock, _BODY.size)
    if head is None or raw is None or (length := _BODY.unpack(raw)[0]) > max_body:
        return None
    body = await _arecv_exact(sock, length)
    return None if body is None else (json.loads(head), body)


async def drain(sock: socket.socket) -> None:
    """Wait until the other end is closed (the worker process is gone)."""
    loop = asyncio.get_running_loop()
    with contextlib.suppress(OSError):
        while await loop.sock_recv(sock, 1 << 16):
            pass


# -- the endpoint's zygote ------------------------------------------------------------

#: folders whose open files children keep: an on-disk store's engine reads through them
_KEEP_UNDER: set[str] = set()


def keep_files_under(folder: str) -> None:
    """Children keep the descriptors of files in `folder` open (a persistent store's)."""
    _KEEP_UNDER.add(os.path.realpath(folder).rstrip("/") + "/")


def _close_all_but(keep: set[int]) -> None:
    """Close every inherited file descriptor not in `keep` or a store's (Linux: /proc).

    The parent's objects owning one (sockets, files) are collected first and the rest
    frozen (`gc.freeze`), so none can later close a number a new socket of ours reuses.
    """
    gc.collect()
    gc.freeze()
    if not os.path.isdir("/proc/self/fd"):
        return
    for name in os.listdir("/proc/self/fd"):
        if int(name) in keep or _kept_file(name):
            continue
        with contextlib.suppress(OSError):
            os.close(int(name))


def _kept_file(name: str) -> bool:
    if not _KEEP_UNDER:
        return False
    try:
        target = os.readlink(f"/proc/self/fd/{name}")
    except OSError:
        return False
    return any(target.startswith(folder) for folder in _KEEP_UNDER)


class Zygote:
    """A pristine process holding the store; it keeps capped, isolated workers for jobs.

    `handler(job, payload, send)` runs in a worker with the job's header and
    payload; `send(header, body)` writes a frame back. Before each job the
    worker arms a timer for the job's ``deadline`` (a `time.monotonic()` value:
    the clock is system-wide, so the worker's timer ends when the server's
    wait does) and, on its first job, caps its memory at ``memory`` bytes
    beyond its size. A worker that ran past its deadline or memory is dead;
    one that grew by more than a quarter of its allowance retires after
    answering. Either way the zygote forks a fresh one when the next job
    comes. Workers are reused because forking a process holding a large store
    costs (78 ms at 10^6 triples here): a query only pays it after a kill.
    """

    def __init__(self, handler: Callable[[dict, bytes, Send], None],
                 keep_fds: Iterable[int] = ()) -> None:
        self.handler = handler
        self.control, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.pid = os.fork()
        if self.pid == 0:  # pragma: no cover - the zygote; coverage does not follow os._exit
            code = 0
            try:
                self.control.close()
                self._zygote(child_end, {0, 1, 2, child_end.fileno(), *keep_fds})
            except BaseException:
                code = 70
            finally:
                os._exit(code)
        child_end.close()
        status = self.control.recv(1)
        self.isolated = status == b"1"

    # server side --------------------------------------------------------------------
    def start_job(self, header: dict, payload: bytes) -> tuple[socket.socket, bytes]:
        """A socket to a worker and the frame to send it (with ``loop.sock_sendall``).

        The worker closes its end when it is done or dead: end of stream on this
        socket means the worker is free again or gone.
        """
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            socket.send_fds(self.control, [b"j"], [theirs.fileno()])
        finally:
            theirs.close()
        ours.setblocking(False)
        return ours, pack(header, payload)

    def close(self) -> None:
        """End the zygote; its workers die with it (PR_SET_PDEATHSIG)."""
        with contextlib.suppress(OSError):
            self.control.close()
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(self.pid, 0)

    # zygote side -----------------------------------------------------------------------
    def _zygote(self, control: socket.socket, keep: set[int]) -> None:  # pragma: no cover
        # inherited sockets of the server (listeners, client connections) must not stay
        # open here: a client would never see the server close them
        _close_all_but(keep)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server decides when we end
        signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the workers
        control.send(b"1" if isolate_network() and _no_network() else b"0")
        selector = selectors.DefaultSelector()
        selector.register(control, selectors.EVENT_READ)
        idle: list[socket.socket] = [self._spawn(selector, control)]
        while True:
            for key, _ in selector.select():
                channel = key.fileobj
                assert isinstance(channel, socket.socket)
                if channel is control:
                    try:
                        _, fds, _, _ = socket.recv_fds(control, 16, 4)
                    except InterruptedError:
                        continue
                    if not fds:  # the server closed its end
                        return
                    for fd in fds:
                        self._dispatch(fd, idle, selector, control)
                    continue
                try:
                    ready = channel.recv(16)
                except OSError:
                    ready = b""
                if ready:
                    idle.append(channel)
                else:  # the worker ended (killed, or retired)
                    selector.unregister(channel)
                    if channel in idle:
                        idle.remove(channel)
                    channel.close()

    def _dispatch(self, fd: int, idle: list[socket.socket], selector: selectors.BaseSelector,
                  control: socket.socket) -> None:  # pragma: no cover - in the zygote
        try:
            while idle:
                worker = idle.pop()
                try:
                    socket.send_fds(worker, [b"j"], [fd])
                    return
                except OSError:  # it just died; its end of stream is still queued
                    continue
            socket.send_fds(self._spawn(selector, control), [b"j"], [fd])
        finally:
            os.close(fd)

    def _spawn(self, selector: selectors.BaseSelector,
               control: socket.socket) -> socket.socket:  # pragma: no cover - in the zygote
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        if os.fork() == 0:
            code = 0
            try:
                # a job socket the zygote holds right now must not stay open in the new
                # worker: the server reads end of stream as "this job's worker is done"
                for sock in (control, ours):
                    sock.detach()
                _close_all_but({0, 1, 2, theirs.fileno()})
                self._worker(theirs)
            except BaseException:
                code = 70
            finally:
                os._exit(code)
        theirs.close()
        selector.register(ours, selectors.EVENT_READ)
        return ours

    def _worker(self, channel: socket.socket) -> None:  # pragma: no cover - in the worker
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        _die_with_parent()
        memory: list[int] = []  # [base, allowance] once capped
        while True:
            _, fds, _, _ = socket.recv_fds(channel, 16, 1)
            if not fds:
                return
            with socket.socket(fileno=fds[0]) as sock:
                self._job(sock, memory)
            if memory and address_space() > memory[0] + memory[1] // 4:
                return  # grown: retire rather than start the next query with less room
            channel.send(b"i")

    def _job(self, sock: socket.socket, memory: list[int]) -> None:  # pragma: no cover
        job = read_frame(sock, MAX_HEADER * 4)
        if job is None:
            return
        header, payload = job
        if not memory and header.get("memory"):
            memory.extend((cap_memory(int(header["memory"])), int(header["memory"])))
        seconds = header.get("seconds")
        if header.get("deadline") is not None:
            seconds = header["deadline"] - time.monotonic()
        if seconds is not None and seconds <= 0:
            return
        if seconds:
            arm(seconds)

        def send(head: dict, body: bytes = b"") -> None:
            sock.sendall(pack(head, body))

        try:
            self.handler(header, payload, send)
        finally:
            disarm()
