"""One safe YAML loader for configuration files (plans, ``districts.yaml``).

:func:`load_yaml_file` is the only way airlib reads a YAML file a user wrote. Before any
Python object is built it checks, in this order, with the limits of
:class:`airlib.settings.Settings`:

1. **size** — the file is at most ``yaml_max_bytes`` bytes;
2. **encoding** — :func:`airlib.io.text_decoding.decode_text`, the rule of every text input:
   UTF-8 (with or without BOM), or GBK/GB18030 when the text is unambiguously Chinese;
   anything else (random bytes, NUL bytes, other encodings) is refused with a message
   saying to save the file as UTF-8;
3. **structure**, on the parser's event stream (which PyYAML produces without recursion):
   nesting depth at most ``yaml_max_depth``, at most ``yaml_max_aliases`` aliases (``*name``)
   and at most ``yaml_max_nodes`` nodes once every alias is expanded (a "billion laughs"
   alias bomb is refused before it is built);
4. **syntax** — errors give the line and column; duplicate keys in one mapping are refused
   (PyYAML would silently keep the last one); only the safe tags are constructed.

Every problem raises :class:`airlib.errors.InputDataError` naming the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

import yaml

from airlib.errors import InputDataError
from airlib.files import refuse_if_larger
from airlib.io.text_decoding import decode_text
from airlib.settings import DEFAULT, Settings

__all__ = ["check_yaml_structure", "item_id", "key_path", "load_yaml_file", "load_yaml_text"]

_Base: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(_Base):  # type: ignore[misc, valid-type]
    """Safe loader that refuses a key appearing twice in one mapping."""


def _construct_mapping(loader: Any, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: dict[Any, yaml.Node] = {}
    for key_node, _ in node.value:  # the keys written in this mapping; merged ones (<<) may be overridden
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=True)
        try:
            dup = key in seen
        except TypeError:  # unhashable key: the base constructor reports it
            break
        if dup:
            first = seen[key].start_mark
            mark = key_node.start_mark
            raise yaml.constructor.ConstructorError(
                None, None,
                f"key {key!r} appears twice in one mapping (first at line {first.line + 1}); "
                "keep one",
                mark,
            )
        seen[key] = key_node
    return loader.construct_mapping(node, deep=deep)


def _construct_yaml_map(loader: Any, node: yaml.MappingNode):  # type: ignore[no-untyped-def]
    data: dict[Any, Any] = {}
    yield data
    data.update(_construct_mapping(loader, node))


_UniqueKeyLoader.add_constructor("tag:yaml.org,2002:map", _construct_yaml_map)


@dataclass
class _Frame:
    nodes: int = 1
    anchor: str | None = None


def check_yaml_structure(text: str, file: str | PathLike[str], settings: Settings | None = None) -> None:
    """Check depth, aliases and expanded size on the event stream, before building objects.

    Raises
    ------
    InputDataError
        Too deep, too many aliases, too many nodes after expanding aliases, or a syntax error
        (line and column given).
    """
    s = DEFAULT if settings is None else settings
    stack: list[_Frame] = []
    sizes: dict[str, int] = {}  # anchor → expanded node count
    total = 0  # nodes of the document with every alias expanded
    aliases = 0
    try:
        for ev in yaml.parse(text, Loader=_Base):
            if isinstance(ev, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                stack.append(_Frame(anchor=ev.anchor))
                if len(stack) > s.yaml_max_depth:
                    raise InputDataError(
                        f"nested more than {s.yaml_max_depth} levels deep at {_where(ev)} "
                        f"(setting yaml_max_depth); a configuration file needs only a few levels",
                        file=file)
                n = 1
            elif isinstance(ev, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                fr = stack.pop()
                if fr.anchor is not None:
                    sizes[fr.anchor] = fr.nodes
                if stack:
                    stack[-1].nodes += fr.nodes
                continue
            elif isinstance(ev, yaml.ScalarEvent):
                n = 1
                if ev.anchor is not None:
                    sizes[ev.anchor] = 1
            elif isinstance(ev, yaml.AliasEvent):
                aliases += 1
                if aliases > s.yaml_max_aliases:
                    raise InputDataError(
                        f"more than {s.yaml_max_aliases} aliases (*name) at {_where(ev)} "
                        "(setting yaml_max_aliases); write the values out instead", file=file)
                n = sizes.get(ev.anchor, 1)
            else:
                continue
            if stack and not isinstance(ev, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                stack[-1].nodes += n
            total += n
            if total > s.yaml_max_nodes:
                raise InputDataError(
                    f"more than {s.yaml_max_nodes:,} values once aliases are expanded, at "
                    f"{_where(ev)} (setting yaml_max_nodes); this looks like an alias bomb "
                    "(or a file far larger than a configuration file)",
                    file=file)
    except yaml.YAMLError as exc:
        raise _syntax_error(exc, file, text) from None


def _where(ev: Any) -> str:
    m = ev.start_mark
    return f"line {m.line + 1}, column {m.column + 1}"


def _syntax_error(exc: yaml.YAMLError, file: str | PathLike[str], text: str = "") -> InputDataError:
    if isinstance(exc, yaml.reader.ReaderError):
        pos = int(exc.position)
        line = text.count("\n", 0, pos) + 1
        col = pos - (text.rfind("\n", 0, pos) + 1) + 1
        return InputDataError(
            f"not valid YAML at line {line}, column {col}: character U+{int(exc.character):04X} "
            "(a control character) is not allowed; remove it", file=file)
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    what = f"{context}: {problem}" if context and context not in problem else problem
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    return InputDataError(f"not valid YAML{where}: {what}", file=file)


def load_yaml_text(text: str, file: str | PathLike[str], settings: Settings | None = None) -> Any:
    """Check (:func:`check_yaml_structure`) and load YAML text with the safe loader.

    Raises
    ------
    InputDataError
        See :func:`check_yaml_structure`; also duplicate keys and unsafe or unknown tags.
    """
    check_yaml_structure(text, file, settings)
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise _syntax_error(exc, file, text) from None
    except RecursionError:  # not reachable with a sane yaml_max_depth; never a traceback
        raise InputDataError("nested too deeply (setting yaml_max_depth)", file=file) from None


def load_yaml_file(path: str | PathLike[str], settings: Settings | None = None, *,
                   what: str = "configuration file") -> Any:
    """Read a YAML configuration file safely (see the module docstring).

    Parameters
    ----------
    path
        The file.
    settings
        Limits ``yaml_max_bytes``, ``yaml_max_depth``, ``yaml_max_aliases``, ``yaml_max_nodes``.
    what
        What the file is, for the "not found" message (e.g. ``"plan file"``).

    Returns
    -------
    Any
        The loaded document (``None`` for an empty file).

    Raises
    ------
    InputDataError
        Missing or unreadable file, too large, not UTF-8/GBK text, too deep, alias bomb,
        syntax error or duplicate key; the message names the file (and line/column).
    """
    s = DEFAULT if settings is None else settings
    p = Path(path)
    try:
        size = p.stat().st_size
        if not p.is_file():
            raise InputDataError(f"{what} is not a regular file", file=p)
        refuse_if_larger(p, size, s.yaml_max_bytes, "yaml_max_bytes", what=what)
        with p.open("rb") as fh:
            data = fh.read(s.yaml_max_bytes + 1)
    except FileNotFoundError:
        raise InputDataError(f"{what} not found", file=p) from None
    except PermissionError:
        raise InputDataError(f"{what} cannot be read: no permission", file=p) from None
    except IsADirectoryError:
        raise InputDataError(f"{what} is a folder, not a file", file=p) from None
    if len(data) > s.yaml_max_bytes:  # grew while reading
        raise InputDataError(f"{what} is larger than {s.yaml_max_bytes:,} bytes (setting yaml_max_bytes)",
                             file=p)
    text, _ = decode_text(data, file=p)
    return load_yaml_text(text, p, s)


def key_path(loc: tuple) -> str:
    """The path of a key in a validated YAML document as error messages write it:
    ``("tasks", 3, "towns")`` → ``tasks[3].towns`` (a pydantic error's ``loc``)."""
    parts: list[str] = []
    for p in loc:
        if isinstance(p, int):
            parts.append(f"[{p}]")
        else:
            parts.append(("." if parts else "") + str(p))
    return "".join(parts)


def item_id(raw: Any, loc: tuple, lists: tuple[str, ...]) -> str:
    """``" (id K07)"`` for an error inside ``<list>[i]`` of ``raw`` when that item has an ``id``
    (``lists``: the top-level lists whose items carry ids, e.g. ``("tasks", "targets")``);
    ``""`` otherwise."""
    if len(loc) >= 2 and loc[0] in lists and isinstance(loc[1], int):
        try:
            ident = raw[loc[0]][loc[1]].get("id")
        except (KeyError, IndexError, TypeError, AttributeError):
            return ""
        return f" (id {ident})" if ident else ""
    return ""
