"""A persistent store: pyoxigraph's on-disk (RocksDB) store in a private folder.

`cryonto load DATA... --store DIR` writes one; `query`, `validate`, `serve`,
`agreement`, `report` and `export` open it with ``--store DIR`` instead of
parsing files again (opening takes milliseconds whatever the size).

The folder holds clinical text: it is created with mode 0700 (files 0600).
Besides RocksDB's own files it holds ``CRYONTO_STORE`` (a marker naming the
format, and the lock file): a writer takes an exclusive ``flock`` on it, every
reader a shared one, so a store being loaded is not read (pyoxigraph's
read-only mode gives undefined results while another process writes) and a
store being read (e.g. served) is not written. RocksDB's own ``LOCK`` is
checked too, so a store some other program holds open for writing counts as
locked. Readers open it read-only: forked children (the query sandbox, the
endpoint's workers) read through the same handle.
"""

from __future__ import annotations

import errno
import fcntl
import os
from collections.abc import Mapping
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from cryonto.errors import CryontoError
from cryonto.rdf.store import GraphStore

MARKER = "CRYONTO_STORE"
FORMAT = "cryonto store 1\n"


class StoreError(CryontoError):
    """A store folder that is missing, not a store, corrupt or locked."""


class DiskStore(GraphStore):
    """A `GraphStore` on disk, holding its lock for as long as it is open."""

    directory: Path
    read_only: bool
    on_disk = True
    _lock: IO[bytes] | None

    @classmethod
    def open(cls, directory: Path | str, *, write: bool = False) -> DiskStore:
        """Open an existing store (read-only unless `write`); `StoreError` if impossible."""
        folder = Path(directory)
        _check_is_store(folder)
        lock = _take_lock(folder, exclusive=write)
        try:
            if not write:
                _check_rocksdb_lock(folder)
            store = cls.__new__(cls)
            store._store = _open_engine(folder, read_only=not write)
        except BaseException:
            lock.close()
            raise
        store.directory, store.read_only, store._lock = folder, not write, lock
        from cryonto import sandbox

        sandbox.keep_files_under(str(folder))  # forked query workers read through them
        return store

    @classmethod
    def create_or_open(cls, directory: Path | str) -> tuple[DiskStore, bool]:
        """Open a store for writing, creating it (private) if the folder is absent or empty.

        Returns the store and whether it was created.
        """
        folder = Path(directory)
        created = False
        if not folder.exists() or (folder.is_dir() and not any(folder.iterdir())):
            old = os.umask(0o077)
            try:
                folder.mkdir(mode=0o700, parents=True, exist_ok=True)
                os.chmod(folder, 0o700)
                marker = folder / MARKER
                marker.write_text(FORMAT, encoding="utf-8")
                lock = _take_lock(folder, exclusive=True)
                try:
                    engine = _open_engine(folder, read_only=False)
                except BaseException:
                    lock.close()
                    raise
            finally:
                os.umask(old)
            store = cls.__new__(cls)
            store._store = engine
            store.directory, store.read_only, store._lock = folder, False, lock
            return store, True
        old = os.umask(0o077)
        try:
            return cls.open(folder, write=True), created
        finally:
            os.umask(old)

    def in_memory(self, sources: Mapping[str, Path] | None = None) -> GraphStore:
        """A copy of the whole store in memory, for work that scans it many times.

        The engine answers scans over its on-disk store several times slower than over
        memory, but reading it out is not cheap either: every term handed out is a read
        from RocksDB (about 3x the time of parsing the original file, at 10^5 segments).
        So a graph named in `sources` is parsed again from that file, which the caller
        vouches holds exactly the graph's triples (its recorded hash still matches); the
        rest is dumped through a private (0600) temporary file, removed at once.
        """
        import tempfile

        copy = GraphStore()
        sources = dict(sources or {})
        graphs = [g.value for g in self._store.named_graphs()]
        if not any(g in sources for g in graphs):
            dumps: list[tuple[ox.NamedNode | ox.DefaultGraph | None, ox.RdfFormat]] = [
                (None, ox.RdfFormat.N_QUADS)]
        else:
            dumps = [(ox.NamedNode(g), ox.RdfFormat.N_TRIPLES) for g in graphs
                     if g not in sources]
            if next(iter(self._store.quads_for_pattern(None, None, None, ox.DefaultGraph())),
                    None) is not None:
                dumps.append((ox.DefaultGraph(), ox.RdfFormat.N_TRIPLES))
        for graph, fmt in dumps:
            fd, name = tempfile.mkstemp(prefix="cryonto-store-", suffix=".nq")
            try:
                with os.fdopen(fd, "wb") as handle:
                    if graph is None:
                        self._store.dump(handle, format=fmt)
                    else:
                        self._store.dump(handle, format=fmt, from_graph=graph)
                copy._store.bulk_load(path=name, format=fmt, to_graph=graph)
            finally:
                os.unlink(name)
        for graph_name, path in sources.items():
            if graph_name in graphs:
                copy.load_file(path, graph=graph_name)
        return copy

    def flush(self) -> None:
        self._store.flush()

    def close(self) -> None:
        """Release the engine and the lock (the object is unusable afterwards)."""
        if not self.read_only:
            self._store.flush()
        self._store = None  # type: ignore[assignment]
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def __enter__(self) -> DiskStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _check_is_store(folder: Path) -> None:
    if not folder.exists():
        raise StoreError("no such store (create it with `cryonto load DATA... --store DIR`)",
                         str(folder))
    if not folder.is_dir():
        raise StoreError("not a store: a file, not a folder", str(folder))
    marker = folder / MARKER
    try:
        text = marker.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise StoreError("not a cryonto store (no CRYONTO_STORE marker; create one with "
                         "`cryonto load DATA... --store DIR`)", str(folder)) from None
    except (OSError, UnicodeDecodeError) as error:
        raise StoreError(f"cannot read the store marker: {error}", str(folder)) from None
    if text != FORMAT:
        raise StoreError("corrupt store: unknown CRYONTO_STORE marker", str(folder))
    if not (folder / "CURRENT").is_file():
        raise StoreError("corrupt store: the engine's files are missing", str(folder))


def _take_lock(folder: Path, *, exclusive: bool) -> IO[bytes]:
    try:
        handle = open(folder / MARKER, "rb")  # noqa: SIM115 - held while the store is open
    except OSError as error:
        raise StoreError(f"cannot open the store: {error.strerror or error}",
                         str(folder)) from None
    try:
        fcntl.flock(handle.fileno(), (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
                    | fcntl.LOCK_NB)
    except OSError as error:
        handle.close()
        if error.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
            what = ("in use by another process (a server or a command reading it); stop it "
                    "first" if exclusive else
                    "locked: another process is writing it (a `cryonto load` in progress?)")
            raise StoreError(what, str(folder)) from None
        raise StoreError(f"cannot lock the store: {error.strerror or error}",
                         str(folder)) from None
    return handle


def _check_rocksdb_lock(folder: Path) -> None:
    """A reader's check that no other program holds the engine open for writing."""
    path = folder / "LOCK"
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return
    except OSError as error:
        raise StoreError(f"cannot open the store: {error.strerror or error}",
                         str(folder)) from None
    try:
        fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        fcntl.lockf(fd, fcntl.LOCK_UN)
    except OSError as error:
        if error.errno in (errno.EAGAIN, errno.EACCES):
            raise StoreError("locked: another program holds it open for writing",
                             str(folder)) from None
    finally:
        os.close(fd)


def _open_engine(folder: Path, *, read_only: bool) -> ox.Store:
    try:
        return ox.Store.read_only(str(folder)) if read_only else ox.Store(str(folder))
    except OSError as error:
        text = _first_line(error)
        if "lock" in text.lower():
            raise StoreError("locked: another process holds it open", str(folder)) from None
        raise StoreError(f"corrupt or unreadable store: {text}", str(folder)) from None
    except (RuntimeError, ValueError) as error:
        raise StoreError(f"corrupt store: {_first_line(error)}", str(folder)) from None


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
