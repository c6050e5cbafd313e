"""Safe, fast YAML loading with precise problems.

libyaml (``CSafeLoader``) composes the node tree in C; we then build plain Python
values from the nodes ourselves instead of using PyYAML's constructor, because we
need things the stock constructor cannot give:

* duplicate mapping keys are reported (PyYAML silently keeps the last value);
* any tag outside the YAML core schema (``!!python/object``, ``!custom``) is a
  problem at its line, never constructed;
* alias expansion is measured, so "billion laughs" documents are refused before
  anything downstream walks the expanded tree;
* nesting depth is bounded before libyaml's recursive composer can exhaust the C
  stack (it segfaults somewhere past 10,000 levels); a file with a document that is
  too deep is then composed one document at a time, so the others still load;
* lines are counted as git and editors count them (see ``yaml_text``);
* plain scalars are read by the YAML 1.2 core schema, and as numbers only where
  YAML 1.1 reads the same number (see ``yaml_scalars``): ``NO`` stays "NO" and
  ``010`` stays "010" instead of turning silently into false and 8;
* timestamps stay strings (records carry ISO 8601 text; we parse them where they
  are used, with their offsets) and mapping keys are always their source text.

It is also faster than ``yaml.load_all(..., Loader=CSafeLoader)``: one tight
recursive function instead of PyYAML's generator-based constructor.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TypeGuard

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from itsmctl.load.yaml_scalars import ScalarError, bool_value, float_value, int_value, resolve_plain
from itsmctl.load.yaml_text import Mark, Positions, document_parts
from itsmctl.model.labels import LabelMap

try:
    from yaml import CSafeLoader
except ImportError:  # pragma: no cover - libyaml is a declared requirement
    raise ImportError(
        "itsmctl needs PyYAML built with libyaml (yaml.CSafeLoader); "
        "reinstall PyYAML from a wheel or with libyaml-dev present"
    ) from None

# Nesting deeper than this is never a real record and is refused.
MAX_DEPTH = 64
# A document may not expand (through aliases) to more than this many nodes, nor
# this many characters of scalars, beyond what it literally contains: a record's
# size stays within a small multiple of its file's (policy expressions and schema
# checks walk it; see policy/cel_cost.py).
MAX_ALIAS_EXPANSION = 10_000
MAX_ALIAS_CHARACTERS = 1_000_000

_TAG = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = (_TAG + t for t in ("str", "int", "float", "bool", "null"))
_TIMESTAMP, _MERGE, _MAP, _SEQ = (_TAG + t for t in ("timestamp", "merge", "map", "seq"))
_VALUE = _TAG + "value"

# Cheap pre-scan: libyaml's composer recurses in C once per nesting level. Depth
# can only come from flow brackets or from block indentation (runs of ' ', '-',
# '?' and ':' at the start of a line), so when both are small the C composer is
# safe and we skip the slower event scan.
_DEEP_INDENT = re.compile(r"^[ ?:-]{400}", re.MULTILINE)
_FLOW_BRACKET_BUDGET = 400


@dataclass(frozen=True)
class YamlProblem:
    """A problem found while loading: rule id, message, 1-based line and column."""

    rule: str
    message: str
    line: int
    column: int = 0
    hint: str = ""


@dataclass(frozen=True)
class YamlDocument:
    """One document of a YAML stream and where it starts."""

    data: object
    index: int  # 0-based position in the file
    line: int  # 1-based line of the document's root node


class _Reject(Exception):
    """Stops building one document; carries the problem to report."""

    def __init__(self, problem: YamlProblem) -> None:
        super().__init__(problem.message)
        self.problem = problem


class _Loader(CSafeLoader):
    # libyaml calls back here for every node without an explicit tag. PyYAML's own
    # resolver is YAML 1.1 (``NO`` is false, ``010`` is 8); ours is ``resolve_plain``.
    def resolve(self, kind: type, value: str, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode:
            if not implicit[0]:
                return _STR  # quoted: always a string
            return resolve_plain(value)
        return _MAP if kind is MappingNode else _SEQ


class _Builder:
    """Turns one composed document into plain dicts, lists and scalars."""

    __slots__ = ("problems", "_positions", "_memo", "_expanded", "_sizes", "_characters", "_chars", "_scalars")

    def __init__(self, positions: Positions, anchors: bool = True) -> None:
        self.problems: list[YamlProblem] = []
        self._positions = positions
        # id(collection node) -> built value; None while it is being built.
        self._memo: dict[int, object] = {}
        # Nodes added by alias expansion; only computed when an alias occurs.
        self._expanded = 0
        self._sizes: dict[int, int] = {}
        # Characters added by alias expansion, and of each collection node's expanded subtree.
        self._characters = 0
        self._chars: dict[int, int] = {}
        # Scalar nodes met so far: a scalar met again is an alias (`*name` of a long string). Only
        # tracked when the text has an anchor at all, to keep the common case fast.
        self._scalars: set[int] | None = set() if anchors else None

    def build(self, node: Node) -> object:
        return self._build(node, 0)

    def _where(self, node: Node) -> tuple[int, int]:
        return self._positions.mark(node.start_mark)

    def _line(self, node: Node) -> int:
        return self._positions.line(node.start_mark)

    def _build(self, node: Node, depth: int) -> object:
        if node.__class__ is ScalarNode:
            if self._scalars is not None:
                if id(node) in self._scalars:
                    self._count_characters(node, len(node.value))
                else:
                    self._scalars.add(id(node))
            tag = node.tag
            if tag == _STR or tag == _TIMESTAMP:
                return node.value
            return self._scalar(node, tag)
        if depth >= MAX_DEPTH:
            raise _Reject(YamlProblem("too-deep", f"nesting deeper than {MAX_DEPTH} levels", *self._where(node)))
        key = id(node)
        memo = self._memo
        if key in memo:
            return self._alias(node, memo[key])
        memo[key] = None
        value: object
        if node.__class__ is MappingNode:
            if node.tag != _MAP:
                self._reject_tag(node)
            value = self._mapping(node, depth + 1)
        elif node.__class__ is SequenceNode:
            if node.tag != _SEQ:
                self._reject_tag(node)
            value = [self._build(child, depth + 1) for child in node.value]
        else:  # pragma: no cover - the composer yields only the three node types
            raise _Reject(YamlProblem("yaml-syntax", "unknown node", self._line(node)))
        memo[key] = value
        return value

    def _alias(self, node: Node, value: object) -> object:
        """A collection node met a second time: an alias. Measure what it expands to."""
        if value is None:
            raise _Reject(
                YamlProblem(
                    "recursive-alias",
                    "this anchor's value contains an alias to itself",
                    *self._where(node),
                    "remove the alias inside the anchored value",
                )
            )
        self._count_characters(node, self._characters_of(node))
        self._expanded += self._size(node)
        if self._expanded > MAX_ALIAS_EXPANSION:
            raise _Reject(
                YamlProblem(
                    "alias-bomb",
                    f"aliases of this anchor expand the document by more than {MAX_ALIAS_EXPANSION:,} nodes; "
                    "refusing to load it",
                    *self._where(node),
                    "use fewer nested aliases; records never need this",
                )
            )
        return value

    def _count_characters(self, node: Node, added: int) -> None:
        self._characters += added
        if self._characters > MAX_ALIAS_CHARACTERS:
            raise _Reject(
                YamlProblem(
                    "alias-bomb",
                    f"aliases expand the document by more than {MAX_ALIAS_CHARACTERS:,} characters; refusing to load it",
                    *self._where(node),
                    "write the text once; records never need to repeat long text through aliases",
                )
            )

    def _characters_of(self, node: Node) -> int:
        """Characters of the scalars in the fully expanded subtree (memoised, like ``_size``)."""
        if node.__class__ is ScalarNode:
            return len(node.value)
        key = id(node)
        count = self._chars.get(key)
        if count is None:
            if node.__class__ is MappingNode:
                count = sum(self._characters_of(k) + self._characters_of(v) for k, v in node.value)
            else:
                count = sum(self._characters_of(child) for child in node.value)
            self._chars[key] = count
        return count

    def _size(self, node: Node) -> int:
        """Nodes in the fully expanded subtree (memoised, so linear in distinct nodes)."""
        key = id(node)
        size = self._sizes.get(key)
        if size is None:
            if node.__class__ is MappingNode:
                size = 1 + sum(self._size(k) + self._size(v) for k, v in node.value)
            elif node.__class__ is SequenceNode:
                size = 1 + sum(self._size(child) for child in node.value)
            else:
                size = 1
            self._sizes[key] = size
        return size

    def _mapping(self, node: MappingNode, depth: int) -> dict[str, object]:
        result: dict[str, object] = {}
        merged: set[str] | None = None
        for key_node, value_node in node.value:
            if key_node.__class__ is not ScalarNode:
                raise _Reject(YamlProblem("complex-key", "mapping keys must be plain scalars", *self._where(key_node)))
            tag = key_node.tag
            if tag == _MERGE:
                merged = merged if merged is not None else set()
                for source in self._merge_sources(value_node, depth):
                    for merge_key, merge_value in source.items():
                        if merge_key not in result or merge_key in merged:
                            result[merge_key] = merge_value
                            merged.add(merge_key)
                continue
            if tag not in _KEY_TAGS:
                self._reject_tag(key_node)
            # Keys are their source text: `on:` stays "on", `1:` stays "1".
            key = key_node.value
            if key in result:
                if merged is not None and key in merged:
                    merged.discard(key)  # an explicit key overrides a merged one
                else:
                    self._duplicate(node, key_node)
            value = self._build(value_node, depth)
            if key == "labels" and value.__class__ is dict:
                value = self._labels(value_node, value)
            result[key] = value
        return result

    def _labels(self, node: MappingNode, built: dict[str, object]) -> dict[str, object]:
        """A ``labels`` mapping, with the source text of its numbers and booleans (``model.labels``)."""
        if all(value.__class__ is str for value in built.values()):
            return built  # the usual case: nothing to keep
        explicit: dict[str, Node] = {}
        merged: dict[str, Node] = {}
        for key_node, value_node in node.value:
            if key_node.__class__ is not ScalarNode:
                continue
            if key_node.tag != _MERGE:
                explicit[key_node.value] = value_node
                continue
            sources = value_node.value if value_node.__class__ is SequenceNode else [value_node]
            for source in sources:  # earlier sources win, as in the merge itself
                if source.__class__ is MappingNode:
                    for source_key, source_value in source.value:
                        if source_key.__class__ is ScalarNode:
                            merged.setdefault(source_key.value, source_value)
        written = {}
        for key, value in built.items():
            if value is None or value.__class__ is str:
                continue
            text = explicit.get(key) or merged.get(key)
            if text is not None and text.__class__ is ScalarNode:
                written[key] = text.value
        return LabelMap(built, written) if written else built

    def _duplicate(self, node: MappingNode, key_node: ScalarNode) -> None:
        first = next(k for k, _ in node.value if k.__class__ is ScalarNode and k.value == key_node.value)
        self.problems.append(
            YamlProblem(
                "duplicate-key",
                f"duplicate key {key_node.value!r} (first at line {self._line(first)}); "
                "YAML would silently keep only the last value",
                *self._where(key_node),
                "remove or rename one of them",
            )
        )

    def _merge_sources(self, node: Node, depth: int) -> list[dict[str, object]]:
        value = self._build(node, depth)
        sources = value if isinstance(value, list) else [value]
        if not all(isinstance(source, dict) for source in sources):
            raise _Reject(
                YamlProblem(
                    "yaml-syntax",
                    "a merge key '<<' needs a mapping or a list of mappings",
                    *self._where(node),
                )
            )
        # Earlier sources win over later ones, as in the YAML merge spec.
        return list(reversed(sources))  # type: ignore[arg-type]

    def _scalar(self, node: ScalarNode, tag: str) -> object:
        try:
            if tag == _INT:
                return int_value(node.value)
            if tag == _FLOAT:
                return float_value(node.value)
            if tag == _BOOL:
                return bool_value(node.value)
            if tag == _NULL:
                return None
            if tag == _VALUE or tag == _MERGE:
                return node.value
        except ScalarError as error:
            raise _Reject(
                YamlProblem(
                    error.rule,
                    str(error),
                    *self._where(node),
                    "write the value plainly (10, true, 1000), or quote it if you mean text",
                )
            ) from None
        self._reject_tag(node)
        raise AssertionError("unreachable")  # pragma: no cover

    def _reject_tag(self, node: Node) -> None:
        tag = node.tag
        shown = "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag
        raise _Reject(
            YamlProblem(
                "unsafe-tag",
                f"tag {shown} is not allowed; records use plain YAML values only",
                *self._where(node),
                "remove the tag; nothing in a record is constructed from a tag",
            )
        )


_KEY_TAGS = frozenset({_STR, _INT, _FLOAT, _BOOL, _NULL, _TIMESTAMP, _VALUE})


def _needs_depth_scan(text: str) -> bool:
    brackets = text.count("[") + text.count("{")
    return brackets > _FLOW_BRACKET_BUDGET or _DEEP_INDENT.search(text) is not None


def _depth_problem(text: str, positions: Positions) -> YamlProblem | None:
    """Walk the event stream (iterative in libyaml) and find excessive nesting."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    return _too_deep(event.start_mark, positions)
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.YAMLError as error:  # a ReaderError (control character) is not a MarkedYAMLError
        if _is_libyaml_nesting_limit(error):
            return _too_deep(error.problem_mark, positions)
        return None  # the normal load reports syntax errors with context
    return None


def _is_libyaml_nesting_limit(error: yaml.YAMLError) -> TypeGuard[yaml.MarkedYAMLError]:
    # libyaml newer than 0.2.5 (bundled in PyYAML 6.0.4 wheels) stops at 1,000
    # levels while scanning ahead, before our event walk reaches MAX_DEPTH.
    return isinstance(error, yaml.MarkedYAMLError) and "nesting depth" in (error.problem or "")


def _too_deep(mark: Mark | None, positions: Positions) -> YamlProblem:
    line, column = positions.mark(mark) if mark is not None else (1, 0)
    return YamlProblem("too-deep", f"nesting deeper than {MAX_DEPTH} levels", line, column)


def _syntax_problem(error: yaml.YAMLError, text: str, positions: Positions) -> YamlProblem:
    if _is_libyaml_nesting_limit(error):
        return _too_deep(error.problem_mark, positions)
    if isinstance(error, yaml.reader.ReaderError):
        # libyaml reads the text as UTF-8: the position is a byte offset into that. It lies
        # within the first ``position`` characters, which are all that need encoding.
        head = text[: error.position].encode("utf-8")[: error.position]
        line, column = positions.offset(len(head.decode("utf-8", "replace")))
        return YamlProblem(
            "yaml-syntax", f"character #x{error.character:04x} is not allowed: {error.reason}", line, column
        )
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        parts = [p for p in (error.context, error.problem) if p]
        message = "; ".join(parts) or "invalid YAML"
        return YamlProblem("yaml-syntax", message, *positions.mark(error.problem_mark))
    return YamlProblem("yaml-syntax", str(error).splitlines()[0], 1)


@dataclass(frozen=True)
class ComposedDocument:
    """One document's node tree, and how to turn the marks in it into lines and columns."""

    node: Node | None  # None: refused unread, see ``problem``
    positions: Positions
    problem: YamlProblem | None = None


def _compose(text: str, positions: Positions) -> Iterator[ComposedDocument | YamlProblem]:
    loader = _Loader(text)
    try:
        while loader.check_node():
            yield ComposedDocument(loader.get_node(), positions)
    except yaml.YAMLError as error:
        yield _syntax_problem(error, text, positions)
    finally:
        loader.dispose()


def compose_documents(text: str) -> Iterator[ComposedDocument | YamlProblem]:
    """The node tree of every document of ``text``, composed one at a time, never too deep.

    Yields one ``ComposedDocument`` per document of the stream, in order; a document too
    deep to compose safely is yielded with no node and its too-deep problem, and the
    documents around it are still read. A syntax error ends the stream (libyaml cannot
    resynchronise): it is yielded last, as a ``YamlProblem``.
    """
    positions = Positions.of(text)
    if not _needs_depth_scan(text) or _depth_problem(text, positions) is None:
        yield from _compose(text, positions)
        return
    # Too deep somewhere: compose one document at a time, each only if it alone is safe to
    # compose (few brackets and shallow indentation, or scanned), so the deep ones never are.
    starts = document_parts(text)
    for start, end in zip(starts, [*starts[1:], len(text)], strict=True):
        part, part_positions = text[start:end], positions.part(start)
        problem = _depth_problem(part, part_positions) if _needs_depth_scan(part) else None
        if problem is not None:
            yield ComposedDocument(None, part_positions, problem)
            continue
        for item in _compose(part, part_positions):
            yield item
            if isinstance(item, YamlProblem):
                return


def _document_line(node: Node, positions: Positions) -> int:
    mark = node.start_mark
    if node.__class__ is ScalarNode and not node.value and positions.at_end(mark):
        # An empty last document ('---' at the end of the file): libyaml puts its null at the
        # end of the stream, which may be past the last line; show the '---' instead.
        return positions.index(positions.last_document_start())[0]
    return positions.line(mark)


def load_documents(text: str) -> tuple[list[YamlDocument], list[YamlProblem]]:
    """Parse every document of ``text``.

    Returns the documents that loaded and the problems found. A syntax error
    ends the stream (libyaml cannot resynchronise); a rejected document (unsafe
    tag, alias bomb, too deep) is skipped and the next one is still read.
    """
    documents: list[YamlDocument] = []
    problems: list[YamlProblem] = []
    for index, item in enumerate(compose_documents(text)):
        if isinstance(item, YamlProblem):
            problems.append(item)
            break
        node = item.node
        if node is None:
            if item.problem is not None:
                problems.append(item.problem)
            continue
        builder = _Builder(item.positions, anchors="&" in text)
        try:
            data = builder.build(node)
        except _Reject as rejected:
            problems.extend(builder.problems)
            problems.append(rejected.problem)
        else:
            problems.extend(builder.problems)
            documents.append(YamlDocument(data, index, _document_line(node, item.positions)))
    return documents, problems
