"""`export backstage`: every entity passes Backstage's entity rules for any repository `validate` accepts (issue 11, item 18).

The rules are written down, with their sources, in ``backstage_rules``; the
property test at the end feeds hostile but valid records (labels with spaces,
``@`` and booleans, free-text systems, e-mail members, odd links) through the
real loader, ``validate`` and the real CLI.
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
import textwrap
from pathlib import Path
from typing import Any

import yaml

from itsmctl.cli import main
from tests.conftest import GOLD_SLA, REPO_ROOT, write_files
from tests.publish.backstage_rules import all_link_urls, dangling, urls_node_rejects, violations


def _run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def _export(root: Path) -> tuple[list[dict[str, Any]], str, str]:
    out = root.parent / f"{root.name}-backstage"
    code, _, err = _run("-C", str(root), "export", "backstage", "--out", str(out))
    assert code == 0, err
    text = (out / "catalog-info.yaml").read_text(encoding="utf-8")
    return [e for e in yaml.safe_load_all(text) if e is not None], text, err


def _assert_backstage_accepts(entities: list[dict[str, Any]]) -> None:
    problems = {f"{e['kind']} {e['metadata'].get('name')}": violations(e) for e in entities}
    assert {k: v for k, v in problems.items() if v} == {}
    assert dangling(entities) == []
    names = [(e["kind"], e["metadata"]["name"].lower()) for e in entities]
    assert len(names) == len(set(names)), "two entities of one kind share a name"
    rejected = urls_node_rejects(all_link_urls(entities))
    assert not rejected, rejected


def _validate_ok(root: Path) -> bool:
    code, out, _ = _run("validate", str(root), "--format", "json", "--no-cache")
    return code == 0 and not [f for f in json.loads(out)["findings"] if f["severity"] == "error"]


def test_the_example_repository_exports_entities_backstage_accepts() -> None:
    with tempfile.TemporaryDirectory() as folder:
        entities, _, _ = _export_copy(Path(folder))
    _assert_backstage_accepts(entities)
    kinds = {e["kind"] for e in entities}
    assert kinds == {"Group", "User", "System", "Component", "Resource"}


def _export_copy(folder: Path) -> tuple[list[dict[str, Any]], str, str]:
    import shutil

    root = folder / "repo"
    for part in ("catalog", "changes", "policies"):
        shutil.copytree(REPO_ROOT / part, root / part)
    return _export(root)


# --- the defects of the issue, one by one ------------------------------------------------------

TEAMS = """\
apiVersion: itsm/v1
kind: Team
metadata:
  name: payments
  title: Payments
  links: [{title: Runbook, url: "https://wiki.example.com/payments"}]
spec:
  members: [alice, Bob, carol@acme.example]
  lead: alice
  contact: {email: payments@acme.example, url: "https://acme.example/payments"}
---
apiVersion: itsm/v1
kind: Team
metadata: {name: data}
spec: {members: [dave]}
"""


def _service(name: str, owner: str, labels: str, extra: str = "") -> str:
    return (
        textwrap.dedent(
            f"""\
        apiVersion: itsm/v1
        kind: Service
        metadata:
          name: {name}
          labels: {labels}
          links: [{{title: Dashboard, url: "https://grafana.example.com/d/{name}"}}]
        spec:
          owner: team:{owner}
          tier: 2
          lifecycle: production
          sla: sla:gold
        """
        )
        + extra
    )


def _shop(tmp_path: Path) -> Path:
    return write_files(
        tmp_path / "repo",
        {
            "catalog/teams.yaml": TEAMS,
            "catalog/slas.yaml": GOLD_SLA,
            "catalog/services.yaml": "---\n".join(
                [
                    _service(
                        "checkout",
                        "payments",
                        '{domain: Online Shop, owner-mail: "pay@acme.example", pci: true, rank: -1}',
                        "  repository: https://github.com/acme/checkout\n",
                    ),
                    _service("cart", "payments", "{domain: Online Shop}"),
                    _service("search", "data", "{domain: Online Shop}"),
                ]
            ),
        },
    )


def test_label_values_backstage_rejects_move_to_an_annotation(tmp_path: Path) -> None:
    root = _shop(tmp_path)
    assert _validate_ok(root)
    entities, _, err = _export(root)
    _assert_backstage_accepts(entities)
    checkout = next(e for e in entities if e["kind"] == "Component" and e["metadata"]["name"] == "checkout")
    assert checkout["metadata"]["labels"] == {"pci": "true"}
    kept = json.loads(checkout["metadata"]["annotations"]["itsm/labels"])
    assert kept == {"domain": "Online Shop", "owner-mail": "pay@acme.example", "rank": "-1"}
    assert "owner-mail" in err  # and the user is told


def test_a_boolean_label_is_written_as_yaml_spells_it(tmp_path: Path) -> None:
    _, text, _ = _export(_shop(tmp_path))
    assert "pci: 'true'" in text and "True" not in text


def test_the_system_owner_is_the_team_owning_most_of_its_services(tmp_path: Path) -> None:
    entities, _, _ = _export(_shop(tmp_path))
    [system] = [e for e in entities if e["kind"] == "System"]
    assert system["metadata"] == {"name": "online-shop", "title": "Online Shop"}
    assert system["spec"]["owner"] == "group:default/payments"  # two of its three services


def test_links_are_exported(tmp_path: Path) -> None:
    entities, _, _ = _export(_shop(tmp_path))
    by_name = {(e["kind"], e["metadata"]["name"]): e for e in entities}
    assert by_name["Component", "checkout"]["metadata"]["links"] == [
        {"url": "https://grafana.example.com/d/checkout", "title": "Dashboard"},
        {"url": "https://github.com/acme/checkout", "title": "Source repository"},
    ]
    assert by_name["Group", "payments"]["metadata"]["links"] == [
        {"url": "https://wiki.example.com/payments", "title": "Runbook"},
        {"url": "https://acme.example/payments", "title": "Contact"},
    ]


def test_group_members_are_exported_users(tmp_path: Path) -> None:
    entities, _, _ = _export(_shop(tmp_path))
    payments = next(e for e in entities if e["kind"] == "Group" and e["metadata"]["name"] == "payments")
    assert payments["spec"]["members"] == ["user:default/alice", "user:default/bob", "user:default/carol-acme.example"]
    users = {e["metadata"]["name"]: e for e in entities if e["kind"] == "User"}
    assert set(users) == {"alice", "bob", "carol-acme.example", "dave"}
    assert users["carol-acme.example"]["spec"] == {
        "memberOf": ["group:default/payments"],
        "profile": {"email": "carol@acme.example"},
    }
    assert users["bob"]["metadata"]["annotations"] == {"github.com/user-login": "Bob"}


def test_names_that_collide_after_normalising_are_told_apart_and_reported(tmp_path: Path) -> None:
    root = _shop(tmp_path)
    write_files(
        root,
        {
            "catalog/more.yaml": "---\n".join(
                [
                    _service("ledger", "data", "{}", "  system: Shop / Payments\n"),
                    _service("wallet", "data", "{}", "  system: shop-payments\n"),
                    _service("refunds", "data", "{}", "  system: SHOP-PAYMENTS\n"),  # the same system, by case
                ]
            )
        },
    )
    assert _validate_ok(root)
    entities, _, err = _export(root)
    _assert_backstage_accepts(entities)
    systems = {e["metadata"]["title"].casefold(): e["metadata"]["name"] for e in entities if e["kind"] == "System"}
    assert len(systems) == 3 and systems["shop / payments"] == "shop-payments"
    assert systems["shop-payments"].startswith("shop-payments-")
    assert "both normalise to 'shop-payments'" in err
    components = {e["metadata"]["name"]: e["spec"].get("system") for e in entities if e["kind"] == "Component"}
    assert components["wallet"] == components["refunds"] == f"system:default/{systems['shop-payments']}"


def test_the_export_is_deterministic(tmp_path: Path) -> None:
    root = _shop(tmp_path)
    _, first, _ = _export(root)
    # The same records in other files and another order.
    services = (root / "catalog" / "services.yaml").read_text(encoding="utf-8").split("---\n")
    (root / "catalog" / "services.yaml").unlink()
    for index, text in enumerate(reversed(services)):
        (root / "catalog" / f"z{index}.yaml").write_text(text, encoding="utf-8")
    _, second, _ = _export(root)
    assert first == second


def test_text_that_yaml_1_2_reads_as_a_number_is_quoted(tmp_path: Path) -> None:
    """Backstage reads YAML 1.2 (js-yaml): ``1e3`` and ``0o17`` are numbers there, not text. ruamel.yaml reads
    YAML 1.2 too: every label value and title must come back from it as the text exported."""
    from ruamel.yaml import YAML

    written = ["1e3", "0o17", "-.5e3", "0x1F", "+1", ".5", "True", "1_000", "12:30", "NO", "null"]
    labels = ", ".join(f"l{i}: '{text}'" for i, text in enumerate(written))
    root = write_files(
        tmp_path / "repo",
        {
            "catalog/all.yaml": "\n---\n".join(
                [
                    "apiVersion: itsm/v1\nkind: Team\nmetadata: {name: ops}\nspec: {members: [alice]}\n",
                    "apiVersion: itsm/v1\nkind: Service\n"
                    f"metadata: {{name: shop, title: '1e3', labels: {{{labels}}}}}\n"
                    "spec: {owner: team:ops, tier: 3, lifecycle: production}\n",
                ]
            )
        },
    )
    assert _validate_ok(root)
    _, text, _ = _export(root)
    entities = [e for e in YAML(typ="safe", pure=True).load_all(text) if e is not None]
    shop = next(e for e in entities if e["kind"] == "Component")
    assert shop["metadata"]["title"] == "1e3"
    # Values Backstage's label rules reject (-.5e3, +1, .5, 12:30) are kept in the itsm/labels annotation.
    moved = json.loads(shop["metadata"]["annotations"]["itsm/labels"])
    assert {**shop["metadata"]["labels"], **moved} == {f"l{i}": text for i, text in enumerate(written)}
    assert all(type(value) is str for value in shop["metadata"]["labels"].values())
