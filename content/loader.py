"""Load content packs from YAML and validate them, naming file, field and line on any fault.

A pack is a folder: `pack.yaml` (info, links, fist_to_five, steps, tips, scenarios),
`sections/NN.yaml` (one section each), optional `appendix.yaml` (a list of pages) and
`visuals/` (PNG files).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from content.models import Pack

PACKS_DIR = Path(__file__).resolve().parent
BUILTIN_PACKS = ("healthcare", "schools")


class ContentError(Exception):
    """A pack that cannot be served: the message names file, field and line."""

    def __init__(self, path: Path, field: str, problem: str, line: int | None = None) -> None:
        self.path = path
        self.field = field
        self.problem = problem
        self.line = line
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {field}: {problem}" if field else f"{where}: {problem}")


# libyaml's safe loader when PyYAML has it (ten times faster: packs load at every start).
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class _Located:
    """A YAML document's data with the line of every field, keyed by its path."""

    data: Any
    lines: dict[tuple[str | int, ...], int]


def _read_yaml(path: Path) -> _Located:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ContentError(path, "", f"cannot read the file ({error.strerror})") from error
    try:
        node = yaml.compose(text, Loader=_LOADER)
        data = yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(error, "problem", None) or str(error)
        raise ContentError(path, "", f"not valid YAML: {problem}", line) from error
    lines: dict[tuple[str | int, ...], int] = {}
    if node is not None:
        _index_lines(node, (), lines)
    return _Located(data, lines)


def _index_lines(
    node: yaml.Node, path: tuple[str | int, ...], lines: dict[tuple[str | int, ...], int]
) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            child = (*path, str(key_node.value))
            lines[child] = key_node.start_mark.line + 1
            _index_lines(value_node, child, lines)
            lines[child] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _index_lines(item, (*path, index), lines)


def _nearest_line(
    lines: dict[tuple[str | int, ...], int], loc: tuple[str | int, ...]
) -> int | None:
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def _field_name(loc: tuple[str | int, ...]) -> str:
    name = ""
    for part in loc:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name


def load_pack(folder: Path, *, check_visuals: bool = True) -> Pack:
    """Load and validate the pack in `folder`, or raise ContentError naming what is wrong.

    `check_visuals=False` skips checking that each named image exists, for the renderer that is
    about to draw them.
    """
    folder = Path(folder)
    pack_file = folder / "pack.yaml"
    if not pack_file.is_file():
        raise ContentError(folder, "", "not a content pack (no pack.yaml)")
    # Each file's data goes under a key of the whole pack, so one validation pass covers all of
    # them; `origins` maps each top-level part back to its file and line index.
    main = _read_yaml(pack_file)
    if not isinstance(main.data, dict):
        raise ContentError(pack_file, "", "must be a mapping of info, links, steps, ...", 1)
    document: dict[str, Any] = dict(main.data)
    origins: dict[tuple[str | int, ...], tuple[Path, _Located, int]] = {}
    section_files = sorted((folder / "sections").glob("*.yaml"))
    sections: list[Any] = []
    for index, section_file in enumerate(section_files):
        located = _read_yaml(section_file)
        sections.append(located.data)
        origins[("sections", index)] = (section_file, located, 2)
    if "sections" in document:
        raise ContentError(pack_file, "sections", "sections live in sections/NN.yaml, one per file")
    document["sections"] = sections
    appendix_file = folder / "appendix.yaml"
    if appendix_file.is_file():
        located = _read_yaml(appendix_file)
        document["appendix"] = located.data
        origins[("appendix",)] = (appendix_file, located, 1)
    try:
        pack = Pack.model_validate(document)
    except ValidationError as error:
        first = error.errors()[0]
        loc = tuple(first["loc"])
        path, located, depth = pack_file, main, 0
        for prefix, origin in origins.items():
            if loc[: len(prefix)] == prefix:
                path, located, depth = origin
        field = _field_name(loc)
        line = _nearest_line(located.lines, loc[depth:])
        raise ContentError(path, field, first["msg"], line) from None
    if check_visuals:
        _check_visuals(folder, pack)
    return pack


def _check_visuals(folder: Path, pack: Pack) -> None:
    for index, section in enumerate(pack.sections):
        if section.visual and section.visual.image:
            image = folder / "visuals" / section.visual.image
            if not image.is_file():
                raise ContentError(
                    image,
                    f"sections[{index}].visual.image",
                    f"section {section.number} names a visual that is not in visuals/",
                )


def pack_folder(name_or_path: str) -> Path:
    """The folder of a built-in pack by name, or the given path."""
    if name_or_path in BUILTIN_PACKS:
        return PACKS_DIR / name_or_path
    return Path(name_or_path)


def main(argv: list[str] | None = None) -> int:
    """Validate packs from the command line (used while writing content)."""
    import sys

    names = (argv if argv is not None else sys.argv[1:]) or list(BUILTIN_PACKS)
    for name in names:
        try:
            pack = load_pack(pack_folder(name))
        except ContentError as error:
            sys.stderr.write(f"{error}\n")
            return 1
        sys.stdout.write(f"{pack.info.key}: {len(pack.sections)} sections ok\n")
    return 0


@dataclass(frozen=True)
class LoadedPack:
    """A validated pack and the folder it came from (its visuals live there)."""

    pack: Pack
    folder: Path


def load_packs(extra: Path | None = None) -> dict[str, LoadedPack]:
    """The built-in packs, plus an organisation's own (which wins on a shared key)."""
    folders = [PACKS_DIR / name for name in BUILTIN_PACKS]
    if extra is not None:
        folders.append(Path(extra))
    loaded: dict[str, LoadedPack] = {}
    for folder in folders:
        pack = load_pack(folder)
        loaded[pack.info.key] = LoadedPack(pack, folder)
    return loaded


if __name__ == "__main__":
    raise SystemExit(main())
