"""YAML loading that remembers where every value came from, so errors can name a line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

Location = tuple[str | int, ...]
MAX_POLICY_BYTES = 512 * 1024  # the shipped policies are under 10 KB
MAX_DEPTH = 32  # of nested mappings and lists


class UnsafeYAML(yaml.YAMLError):
    """YAML a policy file must not contain, found before anything is built from it."""

    def __init__(self, problem: str, problem_mark: Any = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.problem_mark = problem_mark


@dataclass
class SourceMap:
    """Maps a location inside the document (keys and list indexes) to its 1-based line."""

    lines: dict[Location, int] = field(default_factory=dict)
    duplicate_keys: list[tuple[str, int]] = field(default_factory=list)

    def line_of(self, location: Sequence[str | int]) -> int:
        """The line of the deepest known prefix of ``location`` (1 for the document itself)."""
        path = tuple(location)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)


def load_yaml_with_lines(text: str) -> tuple[Any, SourceMap]:
    """Parse ``text`` safely; raises ``yaml.YAMLError`` (with a mark) on malformed YAML, and
    :class:`UnsafeYAML` on what could exhaust memory or the stack: aliases (a "billion laughs"
    file grew to 5 GB), nesting deeper than MAX_DEPTH, a file larger than MAX_POLICY_BYTES."""
    _check_events(text)
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    source_map = SourceMap()
    if node is None:
        return None, source_map
    _walk(node, (), source_map)
    return yaml.safe_load(text), source_map


def _check_events(text: str) -> None:
    """One linear pass over the parser's events, before any node or object is built."""
    if len(text.encode("utf-8")) > MAX_POLICY_BYTES:
        raise UnsafeYAML(f"larger than {MAX_POLICY_BYTES // 1024} KB; a policy is a few KB")
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise UnsafeYAML(
                "anchors and aliases (&name, *name) are not allowed in policies", event.start_mark
            )
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise UnsafeYAML(f"nested deeper than {MAX_DEPTH} levels", event.start_mark)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _walk(node: yaml.Node, location: Location, source_map: SourceMap) -> None:
    source_map.lines[location] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                source_map.duplicate_keys.append((key, key_node.start_mark.line + 1))
            seen.add(key)
            _walk(value_node, (*location, key), source_map)
            source_map.lines[(*location, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*location, index), source_map)
