"""The schemas editors are told to use accept what people actually write (issue 11, item 20).

Knowledge articles are Markdown whose YAML front matter holds metadata and spec fields side by side;
the record schema describes the record they are loaded into, so a front-matter schema is shipped
too. YAML records are checked document by document against ``record.schema.json``, which README maps
to the record folders in ``yaml.schemas``. Both with check-jsonschema, as a user would run it.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from itsmctl.load.discover import discover, relative
from itsmctl.load.records import load_sources
from itsmctl.load.safe_yaml import load_documents
from tests.conftest import REPO_ROOT, CliResult

FRONT_MATTER_SCHEMA = "knowledgearticle.frontmatter.schema.json"
README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")


@pytest.fixture
def exported(tmp_path: Path, run_cli) -> Path:  # type: ignore[no-untyped-def]
    out = tmp_path / ".schemas"
    result: CliResult = run_cli("schema", "export", str(out))
    assert result.exit_code == 0, result.stderr
    return out


def _check_jsonschema(schema: Path, instances: list[Path]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "check_jsonschema", "--schemafile", str(schema), *map(str, instances)]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def _glob_matches(glob: str, path: str) -> bool:
    """VS Code's glob: ``**/`` any folders, ``*`` within one name."""
    pattern = re.escape(glob).replace(r"\*\*/", "(?:.*/)?").replace(r"\*", "[^/]*")
    return re.fullmatch(pattern, path) is not None


def _front_matter(path: Path) -> str:
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[0] == "---"
    end = lines.index("---", 1)
    return "\n".join(lines[1:end]) + "\n"


def test_export_writes_the_front_matter_schema(exported: Path) -> None:
    schema = json.loads((exported / FRONT_MATTER_SCHEMA).read_text(encoding="utf-8"))
    assert schema["title"].endswith("front matter")
    assert {"title", "owner", "reviewDate", "services", "tags", "labels"} <= set(schema["properties"])
    assert "spec" not in schema["properties"] and "body" not in schema["properties"]


def test_every_example_article_matches_the_front_matter_schema(exported: Path, tmp_path: Path) -> None:
    articles = sorted((REPO_ROOT / "catalog" / "knowledge").glob("*.md"))
    assert len(articles) >= 4
    instances = []
    for article in articles:
        instance = tmp_path / "front-matter" / (article.stem + ".yaml")
        instance.parent.mkdir(exist_ok=True)
        instance.write_text(_front_matter(article), encoding="utf-8")
        instances.append(instance)
    checked = _check_jsonschema(exported / FRONT_MATTER_SCHEMA, instances)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # The record schema is not for front matter: the same files fail it (what editors showed before).
    assert _check_jsonschema(exported / "knowledgearticle.schema.json", instances[:1]).returncode == 1


def test_the_front_matter_schema_refuses_what_validate_refuses(exported: Path, tmp_path: Path) -> None:
    bad = {
        "missing-owner": "title: x\nreviewDate: 2027-01-01\n",
        "unknown-field": "owner: team:ops\nreviewDate: 2027-01-01\nownr: x\n",
        "body-in-front-matter": "owner: team:ops\nreviewDate: 2027-01-01\nbody: text\n",
        "spec-wrapper": "spec: {owner: team:ops, reviewDate: 2027-01-01}\n",
    }
    for name, text in bad.items():
        instance = tmp_path / f"{name}.yaml"
        instance.write_text(text, encoding="utf-8")
        assert _check_jsonschema(exported / FRONT_MATTER_SCHEMA, [instance]).returncode == 1, name
        article = f"---\n{text}---\n# Heading\n".encode()
        findings = load_sources([(f"catalog/knowledge/{name}.md", article)], use_cache=False).findings
        assert findings, name  # validate refuses it too, with a finding


def test_metadata_fields_are_read_from_front_matter(tmp_path: Path) -> None:
    """Every metadata field the schema offers at the top of the front matter is one the loader places there."""
    article = (
        b"---\ntitle: Rotating keys\nowner: team:ops\nreviewDate: 2027-01-01\nlabels: {domain: platform}\n"
        b"links: [{title: Vault, url: 'https://vault.example'}]\nannotations: {ticket: OPS-1}\n---\n# Rotating\n"
    )
    loaded = load_sources([("catalog/knowledge/rotating.md", article)], use_cache=False)
    assert loaded.findings == []
    (record,) = loaded.catalog.records
    assert record.metadata["links"] == [{"title": "Vault", "url": "https://vault.example"}]
    assert record.metadata["annotations"] == {"ticket": "OPS-1"} and record.labels == {"domain": "platform"}


def test_a_body_written_in_front_matter_is_reported_not_dropped() -> None:
    article = b"---\nowner: team:ops\nreviewDate: 2027-01-01\nbody: lost text\n---\n# Heading\n"
    findings = load_sources([("catalog/knowledge/a.md", article)], use_cache=False).findings
    assert [(f.rule, f.location.line) for f in findings] == [("schema", 4)]
    assert "Markdown after the front matter" in findings[0].hint


def test_every_example_yaml_document_matches_the_schema_readme_maps_to_it(exported: Path, tmp_path: Path) -> None:
    mapping = json.loads(re.search(r'```json\n(\{ "yaml.schemas".*?\})\n```', README, re.DOTALL).group(1))  # type: ignore[union-attr]
    ((schema_file, globs),) = mapping["yaml.schemas"].items()
    assert schema_file == ".schemas/record.schema.json" and "changes/**/*.yaml" in globs
    documents = []
    for path in discover(REPO_ROOT).files:
        shown = relative(path, REPO_ROOT)
        if not shown.endswith((".yaml", ".yml")):
            continue
        assert any(_glob_matches(glob, shown) for glob in globs), shown  # the mapping covers every record file
        loaded, problems = load_documents(path.read_text(encoding="utf-8"))
        assert problems == []
        for document in loaded:
            instance = tmp_path / "documents" / f"{shown.replace('/', '_')}-{document.index}.json"
            instance.parent.mkdir(exist_ok=True)
            instance.write_text(json.dumps(document.data), encoding="utf-8")
            documents.append(instance)
    assert len(documents) > 90
    checked = _check_jsonschema(exported / "record.schema.json", documents)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_readme_modeline_path_resolves_from_a_change_in_a_year_folder(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    """README gives the modeline for a file in changes/2026/; resolved from there it must find the schema."""
    match = re.search(r"from `changes/2026/[^`]*`[^`]*`# yaml-language-server: \$schema=([^`]+)`", README)
    assert match, "README shows the modeline for a change in changes/2026/"
    repo = tmp_path / "repo"
    shutil.copytree(REPO_ROOT / "changes", repo / "changes")
    assert run_cli("schema", "export", str(repo / ".schemas")).exit_code == 0
    change = sorted((repo / "changes" / "2026").glob("*.yaml"))[0]
    target = (change.parent / match.group(1)).resolve()
    assert target == (repo / ".schemas" / "change.schema.json").resolve() and target.is_file()


def test_the_readme_says_a_modeline_covers_only_the_first_document() -> None:
    editor = README.split("### Editor support", 1)[1].split("\n## ", 1)[0]
    assert "first document" in editor and "yaml.schemas" in editor
