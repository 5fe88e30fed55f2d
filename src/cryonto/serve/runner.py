"""The endpoint's query runner: every query in its own killable, isolated worker process.

Why processes: pyoxigraph cannot cancel a query, a thread stuck in one engine
step kept its slot long after its 503, a string-doubling query could take the
whole server's memory, and the guard's rdflib parse ran under one global lock,
so one 1 MB query held up every other. Now a `cryonto.sandbox.Zygote`, forked
when the app is created (the store loaded, no server thread started yet),
forks one worker per query. The worker has no network, checks the text with
the guard, runs it, and ends itself at its deadline (SIGALRM), at its memory
allowance (RLIMIT_AS) or after writing at most `max_bytes` of answer. A slot
(one of `workers`) is given back only when the worker process is gone, so
stopped queries cannot pile up, and parses run in parallel, one per worker.

The guard's verdicts are cached here by query text (a worker reports them
before running the query): a text seen before skips the ~100 ms rdflib parse,
and a refused one is answered 400 without starting a worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import OrderedDict
from dataclasses import dataclass

from cryonto.sandbox import Zygote, aread_frame, drain
from cryonto.serve.protocol import ProtocolError, QueryRequest, job_header

#: verdicts remembered (query text -> ("ok", text, form) or ("refused", message))
VERDICT_CACHE = 2048


@dataclass
class Reply:
    """What a worker answered: the frame header (status and more) and the body."""

    header: dict
    body: bytes


class QueryRunner:
    """At most `workers` query processes at once, each stopped at `timeout` seconds."""

    def __init__(self, zygote: Zygote, *, workers: int, timeout: float, max_pending: int,
                 max_memory: int | None, max_bytes: int) -> None:
        self.zygote = zygote
        self.workers = workers
        self.timeout = timeout
        self.max_pending = max_pending
        self.max_memory = max_memory
        self.max_bytes = max_bytes
        self.pending = 0
        self._slots: asyncio.Semaphore | None = None
        self._verdicts: OrderedDict[str, tuple] = OrderedDict()
        self._tasks: set[asyncio.Task] = set()

    async def run(self, request: QueryRequest, accept: str | None, base_iri: str) -> Reply:
        """The worker's reply; `ProtocolError` 503 past the timeout or the pending bound."""
        cached = self._verdicts.get(request.query)
        if cached is not None and cached[0] == "refused":
            raise ProtocolError(400, cached[1])
        if self.pending >= self.max_pending:
            raise ProtocolError(503, f"server busy: {self.pending} queries waiting; "
                                     "try again shortly", {"Retry-After": "1"})
        loop = asyncio.get_running_loop()
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.workers)
        deadline = time.monotonic() + self.timeout
        header = job_header(request, accept, base_iri)
        if cached is not None and cached[1] is not None:
            header["checked"] = [cached[1], cached[2]]
        done: asyncio.Future = loop.create_future()
        self.pending += 1
        try:
            task = asyncio.create_task(self._job(request.query, header, deadline, done))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            try:
                reply = await asyncio.wait_for(asyncio.shield(done), self.timeout)
            except TimeoutError:
                raise self._timed_out() from None
        finally:
            self.pending -= 1
        if reply is None:
            if time.monotonic() >= deadline - 0.05:
                raise self._timed_out()
            memory = f" ({self.max_memory // 2**20} MiB)" if self.max_memory else ""
            raise ProtocolError(503, "the query was stopped before it answered: it needed more "
                                     f"memory than the server allows{memory}; narrow the query")
        if reply.header.get("timeout"):
            raise self._timed_out()
        if reply.header.get("memory"):
            raise ProtocolError(503, "the query ran out of memory (server limit); "
                                     "narrow the query")
        if reply.header.get("status") != 200:
            raise ProtocolError(int(reply.header.get("status", 500)),
                                str(reply.header.get("message", "query failed")),
                                dict(reply.header.get("headers") or {}))
        return reply

    def _timed_out(self) -> ProtocolError:
        return ProtocolError(503, f"query timed out after {self.timeout:g} s (server limit); "
                                  "narrow the query or add a LIMIT",
                             {"Retry-After": str(max(1, int(self.timeout)))})

    async def _job(self, query: str, header: dict, deadline: float,
                   done: asyncio.Future) -> None:
        """Hold a slot, run one worker, hand its answer to `done`, free the slot when it is gone."""
        loop = asyncio.get_running_loop()
        assert self._slots is not None
        async with self._slots:
            seconds = deadline - time.monotonic()
            if seconds <= 0 or done.done():
                return  # the client already got its 503
            # time.monotonic() is system-wide: the worker's timer ends at this very deadline
            header = {**header, "deadline": deadline, "seconds": seconds,
                      "memory": self.max_memory}
            sock = None
            try:
                sock, frame = self.zygote.start_job(header, query.encode("utf-8"))
                await loop.sock_sendall(sock, frame)
                while (got := await aread_frame(sock, self.max_bytes + 65_536)) is not None:
                    head, body = got
                    if head.get("verdict") == "ok":
                        self._remember(query, ("ok", head.get("text"), head.get("form")))
                        continue
                    if head.get("refused"):
                        self._remember(query, ("refused", head.get("message")))
                    if not done.done():
                        done.set_result(Reply(head, body))
                await drain(sock)  # until the worker process has ended
            except OSError:
                pass
            finally:
                if sock is not None:
                    sock.close()
                if not done.done():
                    done.set_result(None)

    def _remember(self, query: str, verdict: tuple) -> None:
        self._verdicts[query] = verdict
        self._verdicts.move_to_end(query)
        while len(self._verdicts) > VERDICT_CACHE:
            self._verdicts.popitem(last=False)

    def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        with contextlib.suppress(OSError):
            self.zygote.close()
