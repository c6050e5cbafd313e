"""Property: any repository `validate` accepts exports entities Backstage accepts (issue 11, item 18).

Hostile but valid records (labels with spaces, ``@``, reserved keys, numbers and
booleans; free-text systems; e-mail and bot members; odd links) go through the
real loader, ``validate`` and the real CLI; every entity is judged by the rules
written down in ``tests/publish/backstage_rules.py``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import assume, given
from hypothesis import strategies as st

from itsmctl.publish.backstage_names import is_url
from tests.conftest import GOLD_SLA
from tests.publish.backstage_rules import urls_node_rejects
from tests.publish.test_backstage import _assert_backstage_accepts, _export, _validate_ok

_LOGIN = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9-]{0,38}(\[bot\])?\Z")
_EMAIL = st.from_regex(r"\A[a-zA-Z0-9._%+'-]{1,20}@[a-z0-9-]{1,10}\.[a-z]{2,5}\Z")
_LABEL_KEY = st.one_of(
    st.from_regex(r"\A([a-z0-9.-]{1,12}/)?[A-Za-z0-9]([A-Za-z0-9_.-]{0,20}[A-Za-z0-9])?\Z"),
    st.sampled_from(["name", "kind", "spec", "labels", "backstage.io/name", "a..b/c", "-x/y"]),
)
_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=70)
_LABEL_VALUE = st.one_of(_TEXT, st.integers(-(10**20), 10**20), st.booleans(), st.floats(allow_nan=False))
_URL = st.one_of(
    st.builds(lambda s, rest: f"{s}:{rest}", st.sampled_from(["http", "https", "mailto"]), _TEXT),
    st.builds(lambda host, path: f"https://{host}/{path}", st.from_regex(r"\A[a-z0-9.-]{1,20}\Z"), _TEXT),
)


@st.composite
def _repositories(draw: st.DrawFn) -> dict[str, str]:
    teams = draw(st.lists(st.from_regex(r"\A[a-z][a-z0-9]{0,8}\Z"), min_size=1, max_size=3, unique=True))
    documents: list[dict[str, Any]] = []
    for team in teams:
        members = draw(st.lists(st.one_of(_LOGIN, _EMAIL), min_size=1, max_size=4, unique_by=str.casefold))
        spec: dict[str, Any] = {"members": members}
        if draw(st.booleans()):
            spec["contact"] = {"url": "https://" + draw(_TEXT)}
        if draw(st.booleans()):
            spec["githubTeam"] = draw(st.from_regex(r"\A([A-Za-z0-9-]{1,10}/)?[a-z0-9][a-z0-9_-]{0,10}\Z"))
        metadata = {"name": team, "title": draw(_TEXT) or team}
        documents.append({"apiVersion": "itsm/v1", "kind": "Team", "metadata": metadata, "spec": spec})
    documents.append(yaml.safe_load(GOLD_SLA))
    names = draw(st.lists(st.from_regex(r"\A[a-z][a-z0-9-]{0,10}[a-z0-9]\Z"), min_size=1, max_size=5, unique=True))
    for index, name in enumerate(names):
        labels = draw(st.dictionaries(_LABEL_KEY, _LABEL_VALUE, max_size=4))
        links = draw(st.lists(st.fixed_dictionaries({"url": _URL}, optional={"title": _TEXT}), max_size=2))
        metadata = {"name": name, "labels": labels, "links": links, "description": draw(_TEXT)}
        spec = {
            "owner": f"team:{draw(st.sampled_from(teams))}",
            "tier": 3,
            "lifecycle": draw(st.sampled_from(["experimental", "development", "production", "deprecated", "retired"])),
            "dependsOn": [f"service:{n}" for n in names[:index] if draw(st.booleans())],
        }
        if draw(st.booleans()):
            spec["system"] = draw(_TEXT)
        if draw(st.booleans()):
            spec["repository"] = draw(_URL)
        documents.append({"apiVersion": "itsm/v1", "kind": "Service", "metadata": metadata, "spec": spec})
        if draw(st.booleans()):
            ci = {"type": "host", "owner": spec["owner"], "environment": "production", "dependsOn": []}
            ci_meta = {"name": f"{name}-host", "labels": draw(st.dictionaries(_LABEL_KEY, _LABEL_VALUE, max_size=2))}
            documents.append({"apiVersion": "itsm/v1", "kind": "ConfigurationItem", "metadata": ci_meta, "spec": ci})
    return {"catalog/all.yaml": yaml.safe_dump_all(documents, allow_unicode=True)}


@given(_repositories())
def test_every_valid_repository_exports_entities_backstage_accepts(files: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "repo"
        for name, text in files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(text, encoding="utf-8")
        assume(_validate_ok(root))
        entities, _, _ = _export(root)
    _assert_backstage_accepts(entities)


_HOSTS = st.from_regex(r"\A[a-z0-9.-]{1,12}(\.[0-9]{1,4}|\.0x[0-9a-f]{0,9})?\Z")


@given(
    st.lists(
        st.one_of(
            _URL,
            st.builds(lambda h, p: f"https://{h}:{p}/", _HOSTS, st.integers(0, 99999)),
            st.builds(lambda h: f"http://{h}", _HOSTS),
        ),
        min_size=20,
        max_size=60,
    )
)
def test_every_link_the_export_keeps_parses_as_a_url(urls: list[str]) -> None:
    kept = [url for url in urls if is_url(url)]
    rejected = urls_node_rejects(kept)
    assert not rejected, rejected
