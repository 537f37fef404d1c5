"""The one YAML loader of techbloc: line numbers, duplicate keys refused, safe limits.

Studies, override files and coalition presets are all read with :func:`load_yaml` (a
file) or :func:`parse_yaml` (text). Compared with ``yaml.safe_load`` it

- refuses aliases (``*name``): an alias bomb of a kilobyte cannot expand to gigabytes, and
  a study is easier to read with every value written out;
- refuses documents nested deeper than :data:`MAX_DEPTH` (instead of a RecursionError);
- refuses a key given twice in one mapping, naming both lines (YAML would keep the last);
- refuses files that are not UTF-8 text (binary files, other encodings), naming the file;
- refuses files larger than :data:`MAX_BYTES`;
- records the 1-based line of every key path, for ``file:line: key: reason`` messages.

Every refusal is a :class:`techbloc.errors.InputError` whose message starts ``file:line:``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from techbloc.errors import InputError

__all__ = ["MAX_BYTES", "MAX_DEPTH", "YamlDocument", "load_yaml", "parse_yaml", "read_text"]

#: Deepest nesting of mappings and lists accepted (a study needs 4).
MAX_DEPTH = 64
#: Largest YAML file read, in bytes.
MAX_BYTES = 16 * 1024 * 1024

Loc = tuple[str | int, ...]
#: ``mapping(data, line, key_lines)``: builds each mapping from its keys and values, the line
#: it starts on and the line of each key.
MappingFactory = Callable[[dict[Any, Any], int, dict[Any, int]], Mapping[Any, Any]]


@dataclass(frozen=True)
class YamlDocument:
    """A parsed YAML document.

    Attributes
    ----------
    data : object
        Plain Python data: dicts, lists, str, int, float, bool, None (and dates).
    lines : dict
        Key path (tuple of keys and list indices) -> 1-based line where it starts.
    source : str
        The file name (or label) used in messages.
    """

    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)
    source: str = "<yaml>"


def read_text(path: str | Path, what: str = "file", max_bytes: int = MAX_BYTES) -> str:
    """Read a UTF-8 text file, refusing binary and non-UTF-8 content with the file name.

    Parameters
    ----------
    path : path
    what : str
        What the file is, for messages (``"study file"``).
    max_bytes : int
        Largest size accepted.

    Raises
    ------
    InputError
        Missing or unreadable file, too large, binary, or not UTF-8.
    """
    path = Path(path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise InputError(f"{path}: {what} not found") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a {what}") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read the {what}: {exc.strerror or exc}") from None
    if len(raw) > max_bytes:
        raise InputError(f"{path}: the {what} is larger than {max_bytes:,} bytes")
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise InputError(f"{path}:{line}: the {what} is binary (a NUL byte), not YAML text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            f"{path}:{line}: the {what} is not UTF-8 text (byte 0x{raw[exc.start]:02x}); "
            "save it as UTF-8"
        ) from None
    return text


def load_yaml(
    path: str | Path, what: str = "file", *, mapping: MappingFactory | None = None
) -> YamlDocument:
    """Read and parse one YAML file safely (see the module docstring).

    Parameters
    ----------
    path : path
    what : str
        What the file is, for messages.
    mapping : callable, optional
        ``mapping(dict, line, key_lines)`` builds each mapping of the result from its
        contents, its first line and each key's line (default: the dict itself).

    Raises
    ------
    InputError
        ``file:line: reason`` for every refusal.
    """
    return parse_yaml(read_text(path, what), str(path), mapping=mapping)


def parse_yaml(
    text: str, source: str = "<yaml>", *, mapping: MappingFactory | None = None
) -> YamlDocument:
    """Parse YAML text safely (see the module docstring).

    Parameters
    ----------
    text : str
    source : str
        Named in messages (a file name).
    mapping : callable, optional
        ``mapping(dict, line, key_lines)`` builds each mapping of the result from its
        contents, its first line and each key's line (default: the dict itself).

    Raises
    ------
    InputError
        ``source:line: reason``: bad YAML, an alias, too deep, a duplicated key, more than one
        document.
    """
    import yaml

    if "\x00" in text:
        raise InputError(f"{source}: binary content (a NUL byte), not YAML text")
    try:
        loader = _loader_class()(text)
    except yaml.reader.ReaderError as exc:
        raise InputError(_reader_message(exc, text, source)) from None
    try:
        try:
            node = loader.get_single_node()
        except yaml.reader.ReaderError as exc:
            raise InputError(_reader_message(exc, text, source)) from None
        except yaml.YAMLError as exc:
            raise InputError(_yaml_message(exc, source)) from None
        except RecursionError:
            raise InputError(
                f"{source}: nested too deeply (more than {MAX_DEPTH} levels)"
            ) from None
        if node is None:
            return YamlDocument(None, {}, source)
        lines: dict[Loc, int] = {}
        data = _build(node, (), lines, loader, source, mapping)
    finally:
        loader.dispose()
    return YamlDocument(data, lines, source)


def _reader_message(exc: Any, text: str, source: str) -> str:
    line = text[: max(0, int(exc.position))].count("\n") + 1
    char = exc.character
    code = ord(char) if isinstance(char, str) else int(char)
    shown = f"#x{code:04x}"
    return f"{source}:{line}: not valid YAML: the character {shown} is not allowed in YAML text"


def _yaml_message(exc: Exception, source: str) -> str:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    where = f"{source}:{mark.line + 1}" if mark is not None else source
    reason = getattr(exc, "problem", None) or str(exc)
    return f"{where}: not valid YAML: {reason}"


_LOADER: type | None = None


def _loader_class() -> type:
    """A SafeLoader whose composer refuses aliases and deep nesting."""
    global _LOADER
    if _LOADER is not None:
        return _LOADER
    import yaml
    from yaml.events import AliasEvent, MappingStartEvent, SequenceStartEvent

    class SafeLimitedLoader(yaml.SafeLoader):
        _depth = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(AliasEvent):
                event = self.get_event()
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    f"aliases (*{event.anchor}) are not accepted: write the value out",
                    event.start_mark,
                )
            nested = self.check_event(MappingStartEvent, SequenceStartEvent)
            if nested:
                self._depth += 1
                if self._depth > MAX_DEPTH:
                    event = self.peek_event()
                    raise yaml.composer.ComposerError(
                        None,
                        None,
                        f"nested more than {MAX_DEPTH} levels deep",
                        event.start_mark,
                    )
            try:
                return super().compose_node(parent, index)
            finally:
                if nested:
                    self._depth -= 1

    _LOADER = SafeLimitedLoader
    return _LOADER


def _build(
    node: Any,
    path: Loc,
    lines: dict[Loc, int],
    loader: Any,
    source: str,
    mapping: MappingFactory | None,
) -> Any:
    """Plain data from a composed node (no aliases, so each node is built once)."""
    import yaml

    if isinstance(node, yaml.MappingNode | yaml.SequenceNode) and node.tag not in _PLAIN_TAGS:
        raise InputError(
            f"{source}:{node.start_mark.line + 1}: the tag {node.tag} is not "
            "accepted: write plain YAML"
        )
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        first: dict[Any, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise InputError(
                    f"{source}:{key_node.start_mark.line + 1}: a mapping key must be plain "
                    "text, not a list or a mapping"
                )
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise InputError(
                    f"{source}:{key_node.start_mark.line + 1}: merge keys (<<) "
                    "are not accepted: write the keys out"
                )
            key = _scalar(key_node, loader, source)
            line = key_node.start_mark.line + 1
            try:
                hash(key)
            except TypeError:
                raise InputError(f"{source}:{line}: key {key!r} cannot be a mapping key") from None
            if key in first:
                raise InputError(
                    f"{source}:{line}: key '{key}' is given twice (lines {first[key]} and "
                    f"{line}); keep one"
                )
            first[key] = line
            sub = (*path, key)
            lines.setdefault(sub, line)
            out[key] = _build(value_node, sub, lines, loader, source, mapping)
        return mapping(out, node.start_mark.line + 1, first) if mapping is not None else out
    if isinstance(node, yaml.SequenceNode):
        items = []
        for i, item in enumerate(node.value):
            sub = (*path, i)
            lines.setdefault(sub, item.start_mark.line + 1)
            items.append(_build(item, sub, lines, loader, source, mapping))
        return items
    return _scalar(node, loader, source)


_PLAIN_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")


def _scalar(node: Any, loader: Any, source: str) -> Any:
    """A scalar's value (unknown tags such as ``!foo`` are refused with the line)."""
    import yaml

    try:
        return loader.construct_object(node, deep=True)
    except yaml.YAMLError as exc:
        raise InputError(_yaml_message(exc, source)) from None
