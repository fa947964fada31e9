"""Atomic file output: a file appears whole or not at all.

Everything seqgen writes goes through :func:`atomic_path`: the caller writes to
a temporary file beside the target, which is renamed over the target only when
the ``with`` block ends without an exception.
"""
from __future__ import annotations

import contextlib
import errno
import glob
import os
import tempfile
import time
from pathlib import Path

from seqgen.errors import SeqgenError


def check_writable(path) -> Path:
    """Return ``path`` as a Path after checking, before any work, that it can be written: not a folder, in a folder
    that is or can be made writable (nothing is made here, so a run that fails leaves no empty folder behind)."""
    path = Path(path)
    if path.is_dir():
        raise SeqgenError("cannot write output: it is a folder", path)
    folder = path.parent if str(path.parent) else Path(".")
    existing = next(p for p in (folder, *folder.parents) if p.exists())  # '.' or '/' at the latest
    if not existing.is_dir():
        raise SeqgenError(f"cannot write output: cannot make folder {str(folder)!r} ({str(existing)!r} is a file)",
                          path)
    if not os.access(existing, os.W_OK):
        raise SeqgenError(f"cannot write output: folder {str(existing)!r} is not writable", path)
    return path


def check_folder(path) -> Path:
    """Return the output folder ``path`` as a Path after checking, before any work, that it is or can be made a
    writable folder (nothing is made here: the writers make it, so a failed run leaves no empty folder)."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise SeqgenError("cannot write output: it is a file, not a folder", path)
    existing = next(p for p in (path, *path.parents) if p.exists())  # '.' or '/' at the latest
    if not existing.is_dir():
        raise SeqgenError(f"cannot write output: cannot make the folder ({str(existing)!r} is a file)", path)
    if not os.access(existing, os.W_OK):
        raise SeqgenError(f"cannot write output: folder {str(existing)!r} is not writable", path)
    return path


@contextlib.contextmanager
def atomic_path(path, suffix: str | None = None):
    """Yield a temporary path to write; rename it to ``path`` on success.

    Parameters
    ----------
    path : str or Path
        The final file.
    suffix : str, optional
        Suffix of the temporary file (some writers, such as ``np.savez``, add
        their own extension unless the name already ends with it). Defaults to
        the suffix of ``path``.
    """
    path = check_writable(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SeqgenError(f"cannot write output: cannot make folder {str(path.parent)!r} ({exc.strerror})", path)
    with contextlib.suppress(OSError):  # a killed writer's (SIGKILL); where it cannot go, mkstemp says why below
        remove_temporaries(path.parent, [path.name], older_than=STALE_TEMPORARY)
    tmp = _temporary_file(path, suffix)
    try:
        yield tmp
        _sync(tmp)  # on disk before the rename: a power cut must not leave a complete-looking empty or cut file
        os.replace(tmp, path)
        _sync(path.parent)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(exc, OSError) and exc.errno in WRITE_ERRORS:
            raise SeqgenError(f"cannot write output: {exc.strerror}", path) from exc
        raise


def _sync(path: Path) -> None:
    """``fsync`` a written file, or a folder after a rename in it (where the file system allows that)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        if path.is_dir():  # a folder that cannot be opened (some platforms): the rename is still atomic
            return
        raise
    try:
        os.fsync(fd)
    except OSError as exc:
        if not path.is_dir() or exc.errno in WRITE_ERRORS:  # folders of some file systems refuse fsync (EINVAL)
            raise
    finally:
        os.close(fd)


#: errors that only writing a file meets (a full disk or quota, a read-only file system), told in one line
WRITE_ERRORS = (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG)


def _temporary_file(path: Path, suffix: str | None) -> Path:
    """Make the hidden temporary file beside ``path`` with the usual permissions; a folder that refuses it (a
    read-only file system, which ``os.access`` does not see for root) is a one-line error."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix if suffix is not None else path.suffix,
                                   dir=path.parent)
    except OSError as exc:
        raise SeqgenError(f"cannot write output: cannot make a file in folder {str(path.parent)!r} "
                          f"({exc.strerror})", path) from exc
    os.close(fd)
    umask = os.umask(0)  # mkstemp makes the file private (0600); give it the usual permissions instead
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    return Path(tmp)


#: a temporary file untouched this long (seconds) is a killed writer's: no live one leaves its file so long unwritten
STALE_TEMPORARY = 3600


def remove_temporaries(folder, names, older_than: float | None = None) -> list[Path]:
    """Remove the hidden temporary files that :func:`atomic_path` left in ``folder`` for the files ``names`` when a
    process writing them was killed (SIGKILL, a power cut: no ``with`` block could clean up).

    Parameters
    ----------
    folder : str or Path
        The folder of the outputs.
    names : iterable of str
        Names of the outputs (``checkpoint.pt``...): their temporaries are ``.NAME.XXXXXXXX`` plus a suffix.
    older_than : float, optional
        Only those last modified more than this many seconds ago (default: all).

    Returns
    -------
    list of Path
        The files removed. Only call it where no other process writes these outputs at the same time.
    """
    folder, removed = Path(folder), []
    for name in names:
        for tmp in folder.glob(f".{glob.escape(name)}.*"):
            if tmp.is_file() and not tmp.is_symlink():
                with contextlib.suppress(FileNotFoundError):
                    if older_than is not None and time.time() - tmp.stat().st_mtime <= older_than:
                        continue
                    tmp.unlink()
                    removed.append(tmp)
    return removed


def write_text(path, text: str) -> None:
    """Write ``text`` to ``path`` atomically, as UTF-8 (whatever the locale: an HTML report declares UTF-8, and a
    locale's encoding, ASCII or cp1252, cannot write every id or name)."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def nan_to_none(value):
    """``value`` (nested dicts and lists) with every float NaN replaced by None."""
    if isinstance(value, dict):
        return {k: nan_to_none(v) for k, v in value.items()}
    if isinstance(value, list):
        return [nan_to_none(v) for v in value]
    return None if isinstance(value, float) and value != value else value


def write_json(path, value) -> None:
    """Write ``value`` to ``path`` atomically as strict JSON (a NaN becomes null)."""
    import json

    write_text(path, json.dumps(nan_to_none(value), indent=2, allow_nan=False) + "\n")

