"""Atomic file output: a reader of the target never sees half a file, and no input is lost.

Everything cryonto writes goes through `atomic_write` (or `temp_sibling`): the
content goes to a temporary file in the same folder and is renamed over the
target only when complete, so a failure leaves no partial output behind. The
temporary file is named ``.TARGET.cryonto-PID-XXXX.tmp``; a process killed with
SIGKILL cannot remove it, so the next write to the same target removes those
whose process is gone. Every command with ``-o`` calls `refuse_overwrite`
first: an output that is one of the inputs (by name, symlink or hard link)
would destroy it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from cryonto.errors import CryontoError

_TMP_MARK = ".cryonto-"
#: `mode` for files meant to be shared (a codebook): what `open()` would give, 0666 less the
#: umask; without a mode a file keeps `mkstemp`'s 0600, owner only, as coded data should
SHARED_MODE = 0o666


def refuse_overwrite(output: Path | str | None, inputs: Iterable[Path | str | None]) -> None:
    """Raise `CryontoError` if `output` is the same file as any input (st_dev + st_ino).

    Comparing device and inode catches the same file under another name, through
    a symlink or a hard link; an output that does not exist yet is always fine.
    """
    if output is None:
        return
    try:
        out = os.stat(output)
    except OSError:
        return
    for given in inputs:
        if given is None:
            continue
        try:
            info = os.stat(given)
        except OSError:
            continue
        if (info.st_dev, info.st_ino) == (out.st_dev, out.st_ino):
            how = "" if os.path.abspath(output) == os.path.abspath(given) else \
                " (the same file through a link)"
            raise CryontoError(f"refused: the output file is an input file ({given}{how}); "
                               "writing it would destroy the input, choose another -o",
                               str(output))


def _tmp_pattern(target: Path) -> re.Pattern[str]:
    return re.compile(re.escape(f".{target.name}{_TMP_MARK}") + r"(\d+)-.*\.tmp\Z")


def _alive(pid: int) -> bool:
    if os.name == "nt":  # os.kill(pid, 0) would terminate it there: assume alive
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, belongs to someone else
        return True
    return True


def clean_stale(target: Path | str) -> list[Path]:
    """Remove temporary siblings of `target` left by cryonto processes that no longer run."""
    target = Path(target)
    pattern = _tmp_pattern(target)
    removed = []
    with contextlib.suppress(OSError):
        for entry in os.scandir(target.parent):
            match = pattern.match(entry.name)
            if match and int(match.group(1)) != os.getpid() and not _alive(int(match.group(1))):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
    return removed


def temp_sibling(target: Path | str) -> tuple[int, str]:
    """A new temporary file next to `target` (fd, name), after cleaning stale ones."""
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        clean_stale(target)
        return tempfile.mkstemp(prefix=f".{target.name}{_TMP_MARK}{os.getpid()}-",
                                suffix=".tmp", dir=target.parent)
    except OSError as error:
        folder = next((f for f in (target.parent, *target.parent.parents)
                       if f.exists() or f.is_symlink()), None)
        if folder is not None and not folder.is_dir():
            raise CryontoError(f"cannot write: {folder} is not a folder", str(target)) from None
        where = f" ({error.filename})" if error.filename and \
            Path(error.filename).parent != target.parent else ""
        raise CryontoError(f"cannot write: {os_reason(error)}{where}", str(target)) from None


def os_reason(error: OSError) -> str:
    """An OSError as a short reason ('no space left on device'), without the traceback."""
    if error.errno == errno.ENOSPC:
        return "no space left on device"
    if error.errno == errno.EFBIG:
        return "file too large (file size limit reached)"
    return (error.strerror or str(error)).lower() if error.errno else str(error)


#: errors of writing itself (not of whatever the caller reads while writing)
_WRITE_ERRNOS = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EIO, errno.EROFS}


def current_umask() -> int:
    """The process umask (reading it means setting it: set it straight back)."""
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_write(path: Path | str, mode: str = "wb", encoding: str | None = None,
                 newline: str | None = None, *, permissions: int | None = None
                 ) -> Iterator[IO]:
    """Open a temporary sibling of `path`; on success rename it onto `path`.

    A full disk, a file size limit or an unwritable folder becomes a
    `CryontoError` naming the target; the temporary file is removed either way.
    `permissions` (e.g. `SHARED_MODE`), less the umask, replaces the owner-only
    0600 the file has otherwise.
    """
    target = Path(path)
    fd, tmp_name = temp_sibling(target)
    handle = os.fdopen(fd, mode, encoding=encoding, newline=newline)
    try:
        try:
            yield handle
        except OSError as error:
            if error.errno not in _WRITE_ERRNOS:
                raise  # the caller's own error (e.g. reading an input): not ours to word
            raise CryontoError(f"cannot write: {os_reason(error)}", str(target)) from None
        try:
            handle.flush()
            os.fsync(handle.fileno())
            handle.close()
            if permissions is not None:
                os.chmod(tmp_name, permissions & ~current_umask())
            os.replace(tmp_name, target)
        except OSError as error:
            raise CryontoError(f"cannot write: {os_reason(error)}", str(target)) from None
    except BaseException:
        with contextlib.suppress(OSError):  # closing flushes what a full disk refused again
            handle.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise


def write_bytes(path: Path | str, data: bytes, *, mode: int | None = None) -> None:
    """`data` to `path` atomically; `mode`: see `atomic_write`'s `permissions`."""
    with atomic_write(path, "wb", permissions=mode) as handle:
        handle.write(data)


def write_text(path: Path | str, text: str, *, mode: int | None = None) -> None:
    with atomic_write(path, "w", encoding="utf-8", newline="", permissions=mode) as handle:
        handle.write(text)
