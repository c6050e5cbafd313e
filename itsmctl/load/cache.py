"""A content-addressed, authenticated cache of per-file results, so re-validating after a small edit is quick.

What a file yields (records, schema and policy findings) depends only on its
path, its bytes, the policies in force, and this version of itsmctl. The cache
key is a hash of exactly those, so an entry can never be stale: a changed file,
policy or release simply misses. Entries live outside the repository
(``$ITSMCTL_CACHE_DIR``, else ``$XDG_CACHE_HOME/itsmctl``, else
``~/.cache/itsmctl``) and are written atomically. ``ITSMCTL_NO_CACHE=1`` or
``--no-cache`` turns it off.

Whoever can write the cache folder must not be able to change a result: an
entry is plain JSON (``load.result_codec``; nothing in it can run code) and
carries an HMAC-SHA256 of its key and payload under a random per-user key kept
outside the cache folder (``cache_key``). An entry that fails the MAC, does not
parse, or has the wrong shape is a miss, never an error and never a pass. A
cache folder that is not the user's own, or that others can write, is not used
at all (one quiet note on stderr). Any other problem with the cache (read-only
disk, a damaged entry) only costs the speed-up, never a result.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib.util
import os
import stat
import sys
import tempfile
from functools import cache
from pathlib import Path

from itsmctl import __version__
from itsmctl.load.cache_key import CacheKeyProblem, load_or_create_key, owned_and_private

# Bumped whenever the entry layout or payload format changes.
_FORMAT = b"itsmctl-file-cache-2"
_MAC_BYTES = 32


@cache
def _code_fingerprint() -> bytes:
    """The code, schemas and libraries that compute results: any change to them invalidates the cache."""
    digest = hashlib.sha256(_FORMAT + __version__.encode() + sys.version.encode())
    for library in _LIBRARIES:
        digest.update(f"\0{library}={_installed(library)}".encode())
    package = Path(__file__).resolve().parent.parent
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".json") and path.is_file():
            digest.update(path.relative_to(package).as_posix().encode() + path.read_bytes())
    return digest.digest()


# The libraries that decide per-file results: YAML parsing, schema checks and their messages, CEL.
_LIBRARIES = ("yaml", "jsonschema_rs", "jsonschema", "cel")


def _installed(module: str) -> str:
    """Which installation of ``module``: where it is, and its size and time (an upgrade rewrites it).

    Cheaper than importlib.metadata (tens of milliseconds, on every run) and importing nothing.
    """
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.origin:
        return ""
    try:
        info = os.stat(spec.origin)
    except OSError:
        return spec.origin
    return f"{spec.origin}:{info.st_size}:{info.st_mtime_ns}"


def policy_fingerprint(policy_files: list[tuple[str, bytes]]) -> bytes:
    digest = hashlib.sha256(_code_fingerprint())
    for path, data in policy_files:
        encoded = path.encode("utf-8", "surrogateescape")  # a file name that is not UTF-8 is hashed as its bytes
        digest.update(len(encoded).to_bytes(4, "big") + encoded + len(data).to_bytes(8, "big") + data)
    return digest.digest()


def chunk_key(fingerprint: bytes, chunk: list[tuple[str, bytes]]) -> str:
    """Key of a chunk of files: the fingerprint and every path and content, length-prefixed."""
    digest = hashlib.sha256(fingerprint)
    for path, data in chunk:
        encoded = path.encode("utf-8", "surrogateescape")  # a file name that is not UTF-8 is hashed as its bytes
        digest.update(len(encoded).to_bytes(4, "big") + encoded + len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def cache_dir() -> Path | None:
    if os.environ.get("ITSMCTL_NO_CACHE"):
        return None
    configured = os.environ.get("ITSMCTL_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "itsmctl"


_noted: set[str] = set()


def _note(message: str) -> None:
    """Once per message and process: the run goes on without the cache, and says so quietly."""
    if message not in _noted:
        _noted.add(message)
        print(f"itsmctl: note: result cache not used: {message}", file=sys.stderr)


def _private_directory(directory: Path) -> bool:
    """Create the cache folder 0700, or check that an existing one is the user's and only theirs to write."""
    try:
        directory.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.mkdir(directory, 0o700)
        except FileExistsError:
            pass
        info = os.stat(directory)
    except OSError as error:
        _note(f"cannot create {directory}: {error.strerror}")
        return False
    if not stat.S_ISDIR(info.st_mode):
        _note(f"{directory} is not a directory")
        return False
    problem = owned_and_private(info, writable_only=True)
    if problem:
        _note(f"{directory} {problem}")
        return False
    if info.st_mode & 0o077:
        try:  # a folder from an older release (0755): entries hold record data, keep them private
            os.chmod(directory, 0o700)
        except OSError:
            pass
    return True


class FileCache:
    """Authenticated entries under ``directory``; ``directory`` None means no cache at all."""

    def __init__(self, directory: Path | None, key: bytes = b"") -> None:
        self.directory = directory if key else None
        self.key = key

    @classmethod
    def open(cls, directory: Path | None) -> FileCache:
        """The cache at ``directory``, or a disabled one if the folder or the key cannot be trusted."""
        if directory is None or not _private_directory(directory):
            return cls(None)
        try:
            key = load_or_create_key()
        except CacheKeyProblem as error:
            _note(str(error))
            return cls(None)
        return cls(directory, key)

    def _path(self, name: str) -> Path:
        assert self.directory is not None
        return self.directory / name[:2] / name

    def _mac(self, name: str, payload: bytes) -> bytes:
        # The entry's name is authenticated too: a valid entry copied under another key is a miss.
        return hmac.digest(self.key, _FORMAT + b"\0" + name.encode() + b"\0" + payload, "sha256")

    def get(self, name: str) -> bytes | None:
        """The payload stored under ``name`` if it is intact and ours; None for anything else."""
        if self.directory is None:
            return None
        data = _read_regular_file(self._path(name))
        if data is None or len(data) < _MAC_BYTES:
            return None
        mac, payload = data[:_MAC_BYTES], data[_MAC_BYTES:]
        return payload if hmac.compare_digest(mac, self._mac(name, payload)) else None

    def put(self, name: str, payload: bytes) -> None:
        if self.directory is None:
            return
        target = self._path(name)
        try:
            if not _own_subdirectory(target.parent):
                return
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")  # mode 0600
            try:
                with os.fdopen(handle, "wb") as stream:
                    stream.write(self._mac(name, payload) + payload)
                os.replace(temporary, target)
            except BaseException:
                os.unlink(temporary)
                raise
        except OSError:
            pass  # a cache that cannot be written is only a slower next run


def _read_regular_file(path: Path) -> bytes | None:
    """The bytes of a regular file; never follows a symlink, never blocks on a FIFO or device."""
    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(handle).st_mode):
            return None
        with os.fdopen(handle, "rb") as stream:
            handle = -1
            return stream.read()
    except OSError:
        return None
    finally:
        if handle >= 0:
            os.close(handle)


def _own_subdirectory(folder: Path) -> bool:
    """The entry's folder exists as a real directory of ours (a planted symlink would send writes elsewhere)."""
    try:
        os.mkdir(folder, 0o700)
    except FileExistsError:
        pass
    info = os.lstat(folder)
    return stat.S_ISDIR(info.st_mode) and not owned_and_private(info, writable_only=True)
