"""Find the YAML files of an ITSM repository without ever leaving it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

# Folders that hold records; when none exists, the whole tree is scanned.
RECORD_ROOTS = ("catalog", "changes", "policies")
YAML_SUFFIXES = (".yaml", ".yml")
# Knowledge articles are Markdown with YAML front matter, in this folder.
KNOWLEDGE_ROOT = "catalog/knowledge/"


def is_record_file(relative_path: str) -> bool:
    """Whether a repo-relative POSIX path holds records: YAML anywhere, or Markdown articles."""
    name = relative_path.rsplit("/", 1)[-1]
    if name.startswith(".") or any(part.startswith(".") for part in relative_path.split("/")[:-1]):
        return False
    return name.endswith(YAML_SUFFIXES) or (name.endswith(".md") and relative_path.startswith(KNOWLEDGE_ROOT))


@dataclass(frozen=True)
class Discovered:
    files: list[Path]
    # Symlinks that point outside the repository: reported, never read.
    escaping_links: list[Path]


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


def discover(root: Path) -> Discovered:
    root = root.resolve()
    tops = [root / name for name in RECORD_ROOTS if (root / name).is_dir()]
    if not tops:
        tops = [root]
    files: list[Path] = []
    escaping: list[Path] = []
    for top in tops:
        if top.is_symlink() and not _inside(top.resolve(), root):
            escaping.append(top)
            continue
        prefix = str(root) + os.sep
        for directory, dirnames, filenames in os.walk(top, followlinks=False):
            # Hidden folders (.git, .github, .venv) never hold records.
            dirnames[:] = sorted(name for name in dirnames if not name.startswith("."))
            for name in dirnames:
                # os.walk does not descend into linked folders; one pointing out of the repository is reported.
                link = Path(directory, name)
                if os.path.islink(link) and not _inside(link.resolve(), root):
                    escaping.append(link)
            folder = (directory + os.sep)[len(prefix) :].replace(os.sep, "/")
            for name in filenames:
                if not is_record_file(folder + name):
                    continue
                path = Path(directory, name)
                if os.path.islink(path):
                    target = path.resolve()
                    if not _inside(target, root) or not target.is_file():
                        escaping.append(path)
                        continue
                files.append(path)
    files.sort()
    return Discovered(files, sorted(escaping))


def relative(path: Path, root: Path) -> str:
    """Repo-relative POSIX path, as findings show it (``root`` as given to ``discover``, resolved)."""
    text, base = str(path), str(root)
    if not text.startswith(base + os.sep):
        base = str(root.resolve())
    if text.startswith(base + os.sep):
        return text[len(base) + 1 :].replace(os.sep, "/")
    return path.as_posix()


def hook_files_pattern() -> str:
    """The pre-commit hook's ``files:`` regex: the paths ``is_record_file`` accepts under the record roots.

    Written from the same names as ``is_record_file`` (``.pre-commit-hooks.yaml`` holds a copy; a test
    keeps the two equal), so a commit that touches anything ``validate`` reads runs the hook. A
    repository without any record root (records anywhere) sets ``files: \\.ya?ml$`` itself.
    """
    import re  # only the hook's test and tooling call this

    visible = r"[^/.][^/]*"  # a file or folder name that does not start with "."
    folders = f"(?:{visible}/)*"
    roots = "|".join(re.escape(root) for root in RECORD_ROOTS)
    yaml_suffix = "|".join(re.escape(suffix) for suffix in YAML_SUFFIXES)
    knowledge = re.escape(KNOWLEDGE_ROOT)
    return rf"^(?:(?:{roots})/{folders}{visible}(?:{yaml_suffix})|{knowledge}{folders}{visible}\.md)$"
