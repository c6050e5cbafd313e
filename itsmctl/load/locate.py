"""Map a record and a key path back to a line and column in its file.

Lines are looked up lazily, only for records that have findings: keeping a
position for every key of every record would triple the memory of a large load.
The file text is kept in memory with the record, so this works equally for
files from the working tree and blobs read from git.
"""

from __future__ import annotations

from collections import OrderedDict

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from itsmctl.findings import Location
from itsmctl.load.safe_yaml import ComposedDocument, YamlProblem, compose_documents
from itsmctl.load.yaml_text import Mark
from itsmctl.model.kinds import KeyPath
from itsmctl.model.record import Record, SourceFile

# Rules report file by file, each rule in a pass over the repository: keep
# enough composed files that a pass over a large repository with many findings
# does not compose every file once per rule.
_CACHE_FILES = 256


class Locator:
    def __init__(self) -> None:
        self._documents: OrderedDict[int, tuple[SourceFile, list[ComposedDocument]]] = OrderedDict()

    def _compose(self, source: SourceFile) -> list[ComposedDocument]:
        key = id(source)
        cached = self._documents.get(key)
        if cached is not None and cached[0] is source:
            self._documents.move_to_end(key)
            return cached[1]
        # The same reading as the loader's: document indexes agree and deep documents are never composed.
        documents: list[ComposedDocument] = []
        for item in compose_documents(source.text):
            if isinstance(item, YamlProblem):
                break  # keep the documents before a syntax error
            documents.append(item)
        self._documents[key] = (source, documents)
        if len(self._documents) > _CACHE_FILES:
            self._documents.popitem(last=False)
        return documents

    def locate(self, record: Record, path: KeyPath = ()) -> Location:
        """The location of ``path`` inside ``record``, or of its deepest existing parent.

        For a mapping entry the location is the key (``owner:``), which is where
        an editor should put the cursor.
        """
        documents = self._compose(record.source)
        document = documents[record.doc_index] if record.doc_index < len(documents) else None
        if document is None or document.node is None:
            return Location(record.path, record.line, 0)
        _, mark, _ = self._walk(document.node, record, path)
        return Location(record.path, *document.positions.mark(mark))

    def written(self, record: Record, path: KeyPath) -> str | None:
        """The source text of the plain (unquoted) scalar at ``path``, as written: ``1.10``, not 1.1."""
        documents = self._compose(record.source)
        document = documents[record.doc_index] if record.doc_index < len(documents) else None
        if document is None or document.node is None:
            return None
        node, _, found = self._walk(document.node, record, path)
        if not found or not isinstance(node, ScalarNode) or node.style:  # plain: None, or "" from libyaml
            return None
        return str(node.value)

    @staticmethod
    def _walk(node: Node, record: Record, path: KeyPath) -> tuple[Node, Mark, bool]:
        """The node at ``path`` (or its deepest existing parent), where to point at it, and whether it is there."""
        mark = node.start_mark
        if record.source.front_matter and path[:1] in (("metadata",), ("spec",)):
            path = path[1:]
        for step in path:
            child: Node | None = None
            if isinstance(node, MappingNode) and isinstance(step, str):
                for key_node, value_node in reversed(node.value):
                    if getattr(key_node, "value", None) == step:
                        child, mark = value_node, key_node.start_mark
                        break
            elif isinstance(node, SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
                child = node.value[step]
                mark = child.start_mark
            if child is None:
                return node, mark, False
            node = child
        return node, mark, True
