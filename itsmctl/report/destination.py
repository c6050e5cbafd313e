"""Writing a report to the file a user named (``-o FILE`` and the other paths the tool writes).

A regular file is replaced atomically: the text goes to a new temporary file in
the target's real folder, which is then renamed over it, so a reader sees the
old report or the new one, never half of one. A symbolic link is followed (the
link stays a link and its target gets the report). What is not a regular file
cannot be replaced without destroying it (a FIFO another program reads, a
device such as /dev/stdout or /dev/null): the report is written into it, as a
shell redirection would. A folder is refused.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from itsmctl.errors import ItsmError

# New files get 0666 minus the umask, as a shell redirection would create them.
_NEW_FILE_MODE = 0o666


def write_text_file(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` as described above; any failure is an ``ItsmError``."""
    data = text.encode("utf-8")
    real = Path(os.path.realpath(path))
    try:
        status: os.stat_result | None = os.stat(real)
    except FileNotFoundError:
        status = None
    except OSError as error:  # a symlink loop, a path through a file, no permission
        raise ItsmError(f"{path}: cannot write: {error.strerror}") from None
    if status is not None and stat.S_ISDIR(status.st_mode):
        raise ItsmError(f"{path}: is a folder; give a file name")
    if status is not None and not stat.S_ISREG(status.st_mode):
        _write_in_place(path, real, data)
        return
    if not real.parent.is_dir():
        raise ItsmError(f"{path}: cannot write: the folder {real.parent} does not exist")
    _replace_atomically(path, real, data, status)


def _write_all(descriptor: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view) :]


def _write_in_place(shown: Path, real: Path, data: bytes) -> None:
    """A FIFO, a device, a socket: open it as it is (no create, no truncate of anything else) and write."""
    try:
        # O_NOFOLLOW: ``real`` is already resolved; a link put there since is not followed.
        descriptor = os.open(real, os.O_WRONLY | os.O_NOFOLLOW | os.O_NOCTTY)
    except OSError as error:
        raise ItsmError(f"{shown}: cannot write: {error.strerror}") from None
    try:
        if stat.S_ISREG(os.fstat(descriptor).st_mode):
            # Replaced by a regular file between the check and the open: do not truncate it in place.
            raise ItsmError(f"{shown}: changed while being written; run again")
        _write_all(descriptor, data)
    except OSError as error:
        raise ItsmError(f"{shown}: cannot write: {error.strerror}") from None
    finally:
        os.close(descriptor)


def _replace_atomically(shown: Path, real: Path, data: bytes, previous: os.stat_result | None) -> None:
    temporary = real.parent / f".{real.name}.{secrets.token_hex(6)}.tmp"
    try:
        # O_EXCL: a name planted in the folder (say a symlink to ~/.bashrc) is never written through.
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, _NEW_FILE_MODE)
    except OSError as error:
        raise ItsmError(f"{shown}: cannot write: {error.strerror}") from None
    try:
        try:
            if previous is not None:
                _keep_owner_and_mode(descriptor, previous)
            _write_all(descriptor, data)
            os.fsync(descriptor)  # the rename must not publish an empty file after a crash
        finally:
            os.close(descriptor)
        os.replace(temporary, real)
    except BaseException as error:
        _remove_quietly(temporary)
        if isinstance(error, OSError):
            raise ItsmError(f"{shown}: cannot write: {error.strerror}") from None
        raise


def _keep_owner_and_mode(descriptor: int, previous: os.stat_result) -> None:
    """The new file takes the place of the old one: same permissions, and (when allowed) the same owner."""
    if (previous.st_uid, previous.st_gid) != (os.geteuid(), os.getegid()):
        try:
            os.fchown(descriptor, previous.st_uid, previous.st_gid)
        except PermissionError:
            pass  # only root may give a file away; the mode below still applies
    os.fchmod(descriptor, stat.S_IMODE(previous.st_mode))


def _remove_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
