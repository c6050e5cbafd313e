"""Discovery in real directories: record folders, hidden folders, symlinks that escape."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from itsmctl.errors import ItsmError
from itsmctl.load.discover import discover, is_record_file, relative
from itsmctl.load.repository import load_tree
from itsmctl.validation import validate_path
from tests.conftest import write_files

TEAM = "apiVersion: itsm/v1\nkind: Team\nmetadata: {name: %s}\nspec: {members: [alice]}\n"
# Content that would be a finding (unknown-kind) if it were ever read.
BAIT = "apiVersion: itsm/v1\nkind: Nonsense\nmetadata: {name: bait}\nspec: {}\n"


def _names(root: Path) -> list[str]:
    return [p.relative_to(root.resolve()).as_posix() for p in discover(root).files]


def _findings(root: Path) -> list[tuple[str, str]]:
    return sorted((f.rule, f.location.path) for f in load_tree(root, use_cache=False).findings)


# --- which files ----------------------------------------------------------------------------


def test_only_record_folders_when_present(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "catalog/a.yaml": TEAM % "a",
            "changes/2026/b.yml": TEAM % "b",
            "policies/c.yaml": TEAM % "c",
            "other/d.yaml": BAIT,
            "top.yaml": BAIT,
            "catalog/.hidden/e.yaml": BAIT,
            "catalog/.f.yaml": BAIT,
            "catalog/notes.txt": "x",
            "catalog/g.yaml.bak": BAIT,
            "catalog/knowledge/kb.md": "---\nowner: team:a\nreviewDate: 2999-01-01\n---\n# hi\n",
            "changes/readme.md": "not an article",
        },
    )
    assert _names(tmp_path) == ["catalog/a.yaml", "catalog/knowledge/kb.md", "changes/2026/b.yml", "policies/c.yaml"]
    assert _findings(tmp_path) == []


def test_one_record_folder_is_enough_to_stop_scanning_the_rest(tmp_path: Path) -> None:
    write_files(tmp_path, {"changes/c.yaml": TEAM % "c", "services/s.yaml": BAIT, "x.yaml": BAIT})
    assert _names(tmp_path) == ["changes/c.yaml"]


def test_whole_tree_when_no_record_folder(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "x/a.yaml": TEAM % "a",
            "c.yml": TEAM % "c",
            ".git/b.yaml": BAIT,
            ".github/workflows/ci.yaml": BAIT,
            "x/.venv/lib/d.yaml": BAIT,
            "catalog": "a file, not a folder",
        },
    )
    assert _names(tmp_path) == ["c.yml", "x/a.yaml"]
    assert _findings(tmp_path) == []


def test_hidden_folders_are_skipped_at_any_depth(tmp_path: Path) -> None:
    write_files(tmp_path, {"catalog/a/.b/c.yaml": BAIT, "catalog/a/ok.yaml": TEAM % "ok"})
    assert _names(tmp_path) == ["catalog/a/ok.yaml"]


@pytest.mark.parametrize(
    "path, expected",
    [
        ("catalog/a.yaml", True),
        ("catalog/a.yml", True),
        ("a.yaml", True),
        ("catalog/a.json", False),
        ("catalog/.a.yaml", False),
        (".github/a.yaml", False),
        ("catalog/x/.y/a.yaml", False),
        ("catalog/knowledge/a.md", True),
        ("catalog/knowledge/deep/a.md", True),
        ("catalog/a.md", False),
        ("docs/knowledge/a.md", False),
    ],
)
def test_is_record_file(path: str, expected: bool) -> None:
    assert is_record_file(path) is expected


def test_files_are_listed_in_a_stable_order(tmp_path: Path) -> None:
    write_files(tmp_path, {f"catalog/{name}.yaml": TEAM % name for name in ["b", "a", "c-1", "c"]})
    assert _names(tmp_path) == ["catalog/a.yaml", "catalog/b.yaml", "catalog/c-1.yaml", "catalog/c.yaml"]


def test_paths_in_findings_are_repo_relative_even_for_a_relative_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_files(tmp_path / "repo", {"catalog/sub/a.yaml": "a: 1\na: 2\n"})
    monkeypatch.chdir(tmp_path)
    (finding, *_) = load_tree(Path("repo"), use_cache=False).findings
    assert finding.location.path == "catalog/sub/a.yaml"
    assert relative(tmp_path / "repo" / "catalog" / "x.yaml", Path("repo")) == "catalog/x.yaml"


# --- symlinks -----------------------------------------------------------------------------------


def test_symlink_to_a_file_outside_is_reported_and_never_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "outside" / "secret.yaml"
    secret.parent.mkdir()
    secret.write_text(BAIT)
    root = write_files(tmp_path / "repo", {"catalog/a.yaml": TEAM % "a"})
    os.symlink(secret, root / "catalog" / "link.yaml")

    opened: list[str] = []
    real_open, real_os_open = open, os.open

    def spying_open(file, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not isinstance(file, int):  # a descriptor from os.open, seen there
            opened.append(os.path.realpath(file))
        return real_open(file, *args, **kwargs)

    def spying_os_open(file, *args, **kwargs):  # type: ignore[no-untyped-def]
        opened.append(os.path.realpath(file))
        return real_os_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", spying_open)
    monkeypatch.setattr("os.open", spying_os_open)
    result = load_tree(root, use_cache=False)
    monkeypatch.undo()

    assert [(f.rule, f.location.path, f.location.line) for f in result.findings] == [
        ("unsafe-path", "catalog/link.yaml", 0)
    ]
    assert "outside the repository" in result.findings[0].message and result.findings[0].hint
    assert str(secret.resolve()) not in opened
    assert [r.name for r in result.catalog.records] == ["a"]
    assert "catalog/link.yaml" not in result.files


def test_symlink_inside_the_repository_is_followed(tmp_path: Path) -> None:
    duplicated = TEAM % "b" + "kind: Team\n"  # a duplicate key: a finding only if the file is read
    root = write_files(tmp_path / "repo", {"catalog/a.yaml": TEAM % "a", "shared/b.yaml": duplicated})
    os.symlink(root / "shared" / "b.yaml", root / "catalog" / "b.yaml")
    # A relative link, as git checks them out.
    os.symlink("../shared/b.yaml", root / "catalog" / "c.yaml")
    assert _findings(root) == [("duplicate-key", "catalog/b.yaml"), ("duplicate-key", "catalog/c.yaml")]


def test_dangling_symlink_is_reported(tmp_path: Path) -> None:
    root = write_files(tmp_path / "repo", {"catalog/a.yaml": TEAM % "a"})
    os.symlink(root / "catalog" / "missing.yaml", root / "catalog" / "dangling.yaml")
    assert _findings(root) == [("unsafe-path", "catalog/dangling.yaml")]


def test_symlink_escaping_through_a_chain_of_links_is_reported(tmp_path: Path) -> None:
    outside = write_files(tmp_path / "outside", {"x.yaml": BAIT}) / "x.yaml"
    root = write_files(tmp_path / "repo", {"catalog/a.yaml": TEAM % "a"})
    os.symlink(outside, root / "hop.yaml")  # inside the repo, but not a record folder
    os.symlink(root / "hop.yaml", root / "catalog" / "link.yaml")
    assert _findings(root) == [("unsafe-path", "catalog/link.yaml")]


def test_symlink_to_a_device_is_not_read(tmp_path: Path) -> None:
    root = write_files(tmp_path / "repo", {"catalog/a.yaml": TEAM % "a"})
    os.symlink("/dev/zero", root / "catalog" / "zero.yaml")
    assert _findings(root) == [("unsafe-path", "catalog/zero.yaml")]


def test_symlinked_record_folder_pointing_outside(tmp_path: Path) -> None:
    outside = write_files(tmp_path / "elsewhere", {"a.yaml": BAIT})
    root = tmp_path / "repo"
    root.mkdir()
    os.symlink(outside, root / "catalog")
    result = load_tree(root, use_cache=False)
    assert [(f.rule, f.location.path) for f in result.findings] == [("unsafe-path", "catalog")]
    assert result.catalog.records == []


def test_symlinked_record_folder_pointing_inside_is_read(tmp_path: Path) -> None:
    root = write_files(tmp_path / "repo", {"data/records/a.yaml": TEAM % "a"})
    os.symlink(root / "data" / "records", root / "catalog")
    result = load_tree(root, use_cache=False)
    assert result.findings == [] and [r.name for r in result.catalog.records] == ["a"]


def test_symlinked_subfolder_pointing_outside_is_reported(tmp_path: Path) -> None:
    outside = write_files(tmp_path / "elsewhere", {"a.yaml": BAIT})
    root = write_files(tmp_path / "repo", {"catalog/ok.yaml": TEAM % "ok"})
    os.symlink(outside, root / "catalog" / "external")
    assert _findings(root) == [("unsafe-path", "catalog/external")]


def test_validate_reports_links_and_still_checks_the_rest(tmp_path: Path) -> None:
    secret = write_files(tmp_path / "outside", {"secret.yaml": BAIT}) / "secret.yaml"
    root = write_files(tmp_path / "repo", {"catalog/a.yaml": TEAM % "a", "catalog/b.yaml": TEAM % "b"})
    os.symlink(secret, root / "catalog" / "link.yaml")
    os.symlink(root / "catalog" / "b.yaml", root / "catalog" / "inside.yaml")
    os.symlink(root / "catalog" / "missing.yaml", root / "catalog" / "dangling.yaml")
    result = validate_path(root, use_cache=False)
    assert sorted((f.rule, f.location.path) for f in result.findings) == [
        ("duplicate-name", "catalog/inside.yaml"),  # the link inside is followed (and b is defined twice)
        ("unsafe-path", "catalog/dangling.yaml"),
        ("unsafe-path", "catalog/link.yaml"),
    ]


# --- sizes and bad roots ------------------------------------------------------------------------


def test_oversize_file_is_reported_and_not_parsed(tmp_path: Path) -> None:
    root = write_files(tmp_path, {"catalog/big.yaml": "a: !!python/object:x {}\n" * 10, "catalog/a.yaml": TEAM % "a"})
    result = load_tree(root, max_bytes=100, use_cache=False)
    assert [(f.rule, f.location.path) for f in result.findings] == [("file-too-large", "catalog/big.yaml")]
    assert "catalog/big.yaml" in result.files and [r.name for r in result.catalog.records] == ["a"]


@pytest.mark.parametrize("kind", ["missing", "file"])
def test_bad_roots_are_usage_errors(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "nope"
    if kind == "file":
        target.write_text(TEAM % "a")
    with pytest.raises(ItsmError) as raised:
        load_tree(target)
    assert str(target) in str(raised.value)
    assert ("no such directory" if kind == "missing" else "not a directory") in str(raised.value)


def test_a_tree_without_record_files_is_a_usage_error(tmp_path: Path) -> None:
    write_files(tmp_path, {"README.md": "# nothing here", ".github/workflows/ci.yaml": BAIT})
    with pytest.raises(ItsmError, match="no record files found"):
        load_tree(tmp_path)


def test_a_repository_with_only_an_escaping_link_still_reports_it(tmp_path: Path) -> None:
    outside = write_files(tmp_path / "outside", {"x.yaml": BAIT}) / "x.yaml"
    root = tmp_path / "repo"
    (root / "catalog").mkdir(parents=True)
    os.symlink(outside, root / "catalog" / "x.yaml")
    assert _findings(root) == [("unsafe-path", "catalog/x.yaml")]


# --- files that are not regular files ------------------------------------------------------------


def _socket(path: Path) -> None:
    import socket

    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    server.close()  # the socket file stays


@pytest.mark.timeout(20)
def test_a_fifo_socket_or_link_to_a_fifo_named_like_a_record_is_reported_and_never_opened(tmp_path: Path) -> None:
    # Opening the FIFO would block for ever: the timeout is the regression test's teeth.
    root = write_files(tmp_path / "repo", {"catalog/a.yaml": TEAM % "a", "catalog/knowledge/.keep": ""})
    os.mkfifo(root / "catalog" / "x.yaml")
    os.mkfifo(root / "catalog" / "knowledge" / "article.md")
    os.symlink("x.yaml", root / "catalog" / "link.yml")
    _socket(root / "catalog" / "sock.yaml")
    result = load_tree(root, use_cache=False)
    found = sorted((f.rule, f.location.path, f.message) for f in result.findings)
    assert [(rule, path) for rule, path, _ in found] == [
        ("not-a-regular-file", "catalog/knowledge/article.md"),
        ("not-a-regular-file", "catalog/link.yml"),
        ("not-a-regular-file", "catalog/sock.yaml"),
        ("not-a-regular-file", "catalog/x.yaml"),
    ]
    assert "a FIFO (named pipe)" in found[0][2] and "a socket" in found[2][2]
    assert [r.name for r in result.catalog.records] == ["a"]


@pytest.mark.timeout(20)
def test_a_fifo_that_replaced_a_file_after_discovery_is_not_read(tmp_path: Path) -> None:
    from itsmctl.load.repository import _read_files

    root = write_files(tmp_path / "repo", {"catalog/a.yaml": TEAM % "a"})
    os.mkfifo(root / "catalog" / "b.yaml")  # as if swapped in between discovery and reading
    unread: list = []  # type: ignore[type-arg]
    read = list(_read_files([root / "catalog" / "a.yaml", root / "catalog" / "b.yaml"], root, 1 << 20, unread))
    assert [path for path, _ in read] == ["catalog/a.yaml"]
    assert [(f.rule, f.location.path) for f in unread] == [("not-a-regular-file", "catalog/b.yaml")]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every folder")
def test_a_folder_that_cannot_be_listed_is_an_input_error_not_silently_skipped(tmp_path: Path) -> None:
    root = write_files(tmp_path / "repo", {"catalog/a.yaml": TEAM % "a", "catalog/locked/b.yaml": TEAM % "b"})
    (root / "catalog" / "locked").chmod(0)
    try:
        with pytest.raises(ItsmError, match="cannot read the folder"):
            discover(root)
    finally:
        (root / "catalog" / "locked").chmod(0o755)


def test_a_folder_too_deep_to_list_is_an_input_error_not_silently_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Its path is longer than the system allows (PATH_MAX): os.walk would skip it without a word.
    root = write_files(tmp_path / "repo", {"catalog/a.yaml": TEAM % "a"})
    monkeypatch.chdir(root / "catalog")
    for _ in range(20):
        os.mkdir("d" * 250)
        os.chdir("d" * 250)
    Path("b.yaml").write_text(TEAM % "b")
    with pytest.raises(ItsmError, match="cannot read the folder"):
        discover(root)
