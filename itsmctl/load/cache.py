"""A content-addressed cache of per-file results, so re-validating after a small edit is quick.

What a file yields (records, typed views, schema and policy findings) depends
only on its path, its bytes, the policies in force, and this version of
itsmctl. The cache key is a hash of exactly those, so an entry can never be
stale: a changed file, policy or release simply misses. Entries live outside
the repository (``$ITSMCTL_CACHE_DIR``, else ``$XDG_CACHE_HOME/itsmctl``, else
``~/.cache/itsmctl``) and are written atomically; any problem with the cache
(read-only disk, a corrupt entry) only costs the speed-up, never a result.
``ITSMCTL_NO_CACHE=1`` or ``--no-cache`` turns it off.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from functools import cache
from pathlib import Path

from itsmctl import __version__

_FORMAT = b"itsmctl-file-cache-1"


@cache
def _code_fingerprint() -> bytes:
    """The code and schemas that compute results: any edit to itsmctl itself invalidates the cache."""
    digest = hashlib.sha256(_FORMAT + __version__.encode())
    package = Path(__file__).resolve().parent.parent
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".json") and path.is_file():
            digest.update(path.relative_to(package).as_posix().encode() + path.read_bytes())
    return digest.digest()


def policy_fingerprint(policy_files: list[tuple[str, bytes]]) -> bytes:
    digest = hashlib.sha256(_code_fingerprint())
    for path, data in policy_files:
        digest.update(len(path).to_bytes(4, "big") + path.encode() + len(data).to_bytes(8, "big") + data)
    return digest.digest()


def chunk_key(fingerprint: bytes, chunk: list[tuple[str, bytes]]) -> str:
    """Key of a chunk of files: the fingerprint and every path and content, length-prefixed."""
    digest = hashlib.sha256(fingerprint)
    for path, data in chunk:
        encoded = path.encode()
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


class FileCache:
    def __init__(self, directory: Path | None) -> None:
        self.directory = directory

    def _path(self, key: str) -> Path:
        assert self.directory is not None
        return self.directory / key[:2] / key

    def get(self, key: str) -> bytes | None:
        if self.directory is None:
            return None
        try:
            return self._path(key).read_bytes()
        except OSError:
            return None

    def put(self, key: str, payload: bytes) -> None:
        if self.directory is None:
            return
        target = self._path(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
            with os.fdopen(handle, "wb") as stream:
                stream.write(payload)
            os.replace(temporary, target)
        except OSError:
            pass  # a cache that cannot be written is only a slower next run


def dumps(result: object) -> bytes:
    return pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)


def loads(payload: bytes) -> object | None:
    try:
        return pickle.loads(payload)  # noqa: S301 - our own entries, in the user's own cache directory
    except Exception:  # noqa: BLE001 - a damaged entry is a miss
        return None
