"""The folder a site is built in, next to ``--out``, and how it takes ``--out``'s place.

A build renders into ``.NAME.building-XXXX`` and then swaps it with ``NAME``.
Next to that folder it keeps ``.NAME.building-XXXX.lock``: a file that says
which itsmctl process (pid, host) made the folder, locked (``flock``) for as
long as the build runs. The kernel releases the lock when the process dies,
however it dies (``kill -9`` included), and the pool workers die with it (see
``itsmctl.workers``). So a later build can tell a leftover of a killed build
(lock file ours, lock free, process gone) from a build still running (lock
held), and removes only leftovers it can prove were made by itsmctl: a folder
without such a lock file, or owned by someone else, is never touched.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import json
import os
import secrets
import shutil
import socket
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

_INFIX = ".building-"
_LOCK_SUFFIX = ".lock"
_RETIRED_SUFFIX = "-old"  # the previous site, when the swap is two renames


@dataclass
class Staging:
    folder: Path
    lock_file: Path
    _descriptor: int

    def release(self) -> None:
        """Remove the folder (if still there) and the lock file, then drop the lock."""
        for leftover in (self.folder, _retired(self.folder)):
            _remove_folder(leftover)
        with contextlib.suppress(FileNotFoundError):
            self.lock_file.unlink()
        os.close(self._descriptor)


def _retired(folder: Path) -> Path:
    return folder.with_name(folder.name + _RETIRED_SUFFIX)


def _remove_folder(folder: Path) -> None:
    try:
        status = folder.lstat()
    except FileNotFoundError:
        return
    if stat.S_ISDIR(status.st_mode):  # never a symlink: rmtree would not follow it, but refuse it plainly
        shutil.rmtree(folder, ignore_errors=True)


def create(out: Path) -> Staging:
    """The lock file first (locked), then the folder: a folder of ours never exists without its lock file."""
    prefix = f".{out.name}{_INFIX}"
    for _attempt in range(100):
        name = prefix + secrets.token_hex(6)
        lock_file = out.parent / (name + _LOCK_SUFFIX)
        try:
            descriptor = os.open(lock_file, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        except FileExistsError:
            continue
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            owner = {
                "tool": "itsmctl",
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "out": str(out),
                "started": datetime.now(UTC).isoformat(),
            }
            os.write(descriptor, json.dumps(owner).encode())
            folder = out.parent / name
            # Not mkdtemp (0700): the site gets the usual permissions, as a fresh folder would.
            folder.mkdir(0o777)
        except BaseException:
            lock_file.unlink(missing_ok=True)
            os.close(descriptor)
            raise
        return Staging(folder, lock_file, descriptor)
    raise FileExistsError(errno.EEXIST, "no free name for the build folder", str(out.parent))


def remove_leftovers(out: Path) -> list[Path]:
    """Remove what killed builds of ``out`` left behind; returns the folders removed."""
    removed: list[Path] = []
    prefix = f".{out.name}{_INFIX}"
    try:
        entries = list(out.parent.iterdir())
    except OSError:
        return removed
    for lock_file in entries:
        if not (lock_file.name.startswith(prefix) and lock_file.name.endswith(_LOCK_SUFFIX)):
            continue
        folder = lock_file.with_name(lock_file.name[: -len(_LOCK_SUFFIX)])
        if _remove_if_abandoned(lock_file, folder, out):
            removed.append(folder)
    return removed


def _remove_if_abandoned(lock_file: Path, folder: Path, out: Path) -> bool:
    try:
        descriptor = os.open(lock_file, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode) or status.st_uid != os.geteuid():
            return False  # not a lock file we could have written
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False  # the build is still running
        owner = _owner(os.read(descriptor, 4096))
        if owner is None or owner.get("out") != str(out) or not _process_gone(owner):
            return False
        for candidate in (folder, _retired(folder)):
            if _owned_folder(candidate):
                shutil.rmtree(candidate, ignore_errors=True)
        lock_file.unlink(missing_ok=True)
        return True
    finally:
        os.close(descriptor)


def _owner(data: bytes) -> dict[str, object] | None:
    try:
        owner = json.loads(data)
    except ValueError:
        return None
    return owner if isinstance(owner, dict) and owner.get("tool") == "itsmctl" else None


def _process_gone(owner: dict[str, object]) -> bool:
    """The lock is free; on this host, also make sure the process is gone (a file system may ignore flock).

    A leftover made on another host (a shared file system) is left alone: its
    process cannot be checked from here.
    """
    pid = owner.get("pid")
    if owner.get("host") != socket.gethostname() or not isinstance(pid, int):
        return False
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _owned_folder(folder: Path) -> bool:
    try:
        status = folder.lstat()
    except FileNotFoundError:
        return False
    return stat.S_ISDIR(status.st_mode) and status.st_uid == os.geteuid()


def swap(staging: Staging, out: Path) -> None:
    """Put the staging folder in ``out``'s place; the previous site is removed afterwards.

    Where the system can (Linux ``renameat2(RENAME_EXCHANGE)``) the two folders
    trade places in one step, so ``out`` is never missing, even if the build is
    killed right then; otherwise ``out`` is moved aside, then replaced.
    """
    try:
        previous = out.lstat()
    except FileNotFoundError:
        staging.folder.rename(out)  # made with 0777 minus the umask, as any new folder
        return
    staging.folder.chmod(stat.S_IMODE(previous.st_mode))  # a served site keeps its permissions
    if not _exchange(staging.folder, out):
        out.rename(_retired(staging.folder))
        staging.folder.rename(out)
    # The previous site is now at the staging folder's name (or its "-old" one): release() removes it.


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(first: Path, second: Path) -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False  # this file system cannot exchange: fall back to two renames
    raise OSError(code, os.strerror(code), str(second))
