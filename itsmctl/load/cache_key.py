"""The per-user secret that authenticates result-cache entries.

32 random bytes in ``$XDG_CONFIG_HOME/itsmctl/cache.key`` (else
``~/.config/itsmctl/cache.key``), mode 0600, owned by the user. It is kept
outside the cache folder on purpose: a cache folder restored from elsewhere (a
CI cache, a shared disk) comes without it, so its entries simply miss.
"""

from __future__ import annotations

import os
import secrets
import stat
import tempfile
from pathlib import Path

KEY_BYTES = 32


class CacheKeyProblem(Exception):
    """The key cannot be read, created or trusted; the run goes on without the cache."""


def key_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "itsmctl" / "cache.key"


def owned_and_private(info: os.stat_result, writable_only: bool = False) -> str:
    """Why a file or folder cannot be trusted ("" if it can): not the user's, or open to others.

    ``writable_only`` accepts others reading it (a folder of authenticated entries);
    otherwise nobody else may read it either (the secret key).
    """
    if os.name != "posix":
        return ""  # no owner or mode bits to read: the user profile's ACLs keep the files private
    if info.st_uid != os.geteuid():
        return f"is owned by uid {info.st_uid}, not by the current user (uid {os.geteuid()})"
    forbidden = 0o022 if writable_only else 0o077
    if info.st_mode & forbidden:
        who = "writable" if writable_only else "readable or writable"
        return f"is {who} by group or others (mode {stat.S_IMODE(info.st_mode):04o})"
    return ""


def load_or_create_key(path: Path | None = None) -> bytes:
    path = path or key_path()
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    _create_key(path)
    return _read_key(path)


def _read_key(path: Path) -> bytes:
    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise
    except OSError as error:
        raise CacheKeyProblem(f"cannot read the cache key {path}: {error.strerror}") from None
    with os.fdopen(handle, "rb") as stream:
        info = os.fstat(stream.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise CacheKeyProblem(f"the cache key {path} is not a regular file")
        problem = owned_and_private(info)
        if problem:
            raise CacheKeyProblem(f"the cache key {path} {problem}; remove it and a new one is made")
        key = stream.read(KEY_BYTES + 1)
    if len(key) != KEY_BYTES:
        raise CacheKeyProblem(f"the cache key {path} is damaged; remove it and a new one is made")
    return key


def _create_key(path: Path) -> None:
    """Write the key whole, then link it into place: ``link`` fails if the name exists (like O_EXCL), so
    two first runs at once agree on one key and neither ever reads a half-written one."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".cache.key-")  # mode 0600
    except OSError as error:
        raise CacheKeyProblem(f"cannot create the cache key {path}: {error.strerror}") from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(secrets.token_bytes(KEY_BYTES))
            stream.flush()
            os.fsync(stream.fileno())
        os.link(temporary, path)
    except FileExistsError:
        pass  # another run made it first: use theirs
    except OSError as error:
        raise CacheKeyProblem(f"cannot create the cache key {path}: {error.strerror}") from None
    finally:
        try:
            os.unlink(temporary)
        except OSError:
            pass
