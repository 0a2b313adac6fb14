"""``# Copied from hfgan.models.<module>.<Name>`` markers, checked as diffusers' ``utils/check_copies.py`` does.

A marker sits on the line above a ``def`` or ``class`` (or above its decorators) and names the original by its
dotted path, optionally with plain-text replacements: ``# Copied from hfgan.models.dcgan.modeling_dcgan._channels
with _channels->_level_channels, level->depth``. The marked code must equal the original's source (decorators,
docstring and comments included, indentation aside) once the replacements are made, so a copy cannot drift
silently. Exact duplicates of a function or class body in the model families (and the converters that mirror them)
must be marked or shared through ``hfgan/models/layers.py`` / ``hfgan/models/validation.py``.
"""

import ast
import difflib
import re
import textwrap
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple, Union

import hfgan

PACKAGE = Path(hfgan.__file__).parent
MARKER = re.compile(r"^\s*# Copied from (?P<target>hfgan\.models\.[\w.]+)(?:\s+with\s+(?P<replace>.+?))?\s*$")
ANY_MARKER = re.compile(r"^\s*# Copied from\b")
DUPLICATE_SCOPES = ("models", "convert")  # folders of hfgan whose exact duplicates must be marked or shared

Definition = Union[ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef]


def _definitions(tree: ast.AST, prefix: str = "") -> Iterator[Tuple[str, Definition]]:
    """Every function and class of ``tree`` by qualified name (``Class.method``), nested ones included."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            name = f"{prefix}{node.name}"
            yield name, node
            yield from _definitions(node, f"{name}.")


def _first_line(node: Definition) -> int:
    """1-based line where ``node`` starts, its decorators included."""
    return min([node.lineno] + [d.lineno for d in node.decorator_list])


def _source(lines: List[str], node: Definition) -> str:
    return textwrap.dedent("".join(lines[_first_line(node) - 1: node.end_lineno]))


def _module_file(dotted: str, root: Path) -> Tuple[Optional[Path], str]:
    """The file of the longest module prefix of ``dotted`` (``hfgan.models.x.modeling_x.Y.z``) under ``root``
    (the folder that holds the ``hfgan`` package), and the qualified name left inside it (``Y.z``)."""
    parts = dotted.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        base = root.joinpath(*parts[:cut])
        for path in (base.with_suffix(".py"), base / "__init__.py"):
            if path.is_file():
                return path, ".".join(parts[cut:])
    return None, dotted


def _replacements(text: Optional[str]) -> List[Tuple[str, str]]:
    pairs = []
    for item in filter(None, (part.strip() for part in (text or "").split(","))):
        old, sep, new = item.partition("->")
        if not sep or not old:
            raise ValueError(f"replacement {item!r} is not 'old->new'")
        pairs.append((old, new))
    return pairs


def check_copies(package: Path = PACKAGE) -> List[str]:
    """One message per marker whose code is not the original's (with its replacements), or that names no
    function or class, or that sits above none."""
    root = package.parent
    problems = []
    for path in sorted(package.rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        starts = {_first_line(node): node for _, node in _definitions(ast.parse("".join(lines)))}
        for number, line in enumerate(lines, start=1):
            if not ANY_MARKER.match(line):
                continue
            where = f"{path.relative_to(root)}:{number}"
            match = MARKER.match(line)
            node = starts.get(number + 1)
            if match is None or node is None:
                problems.append(f"{where}: a marker reads '# Copied from hfgan.models.<module>.<Name> [with a->b, ...]' "
                                f"on the line above a def or class: {line.strip()!r}")
                continue
            source_path, qualified = _module_file(match["target"], root)
            originals = dict(_definitions(ast.parse(source_path.read_text(encoding="utf-8")))) if source_path else {}
            if qualified not in originals:
                problems.append(f"{where}: {match['target']} names no function or class")
                continue
            original_lines = source_path.read_text(encoding="utf-8").splitlines(keepends=True)
            expected = _source(original_lines, originals[qualified])
            try:
                for old, new in _replacements(match["replace"]):
                    expected = expected.replace(old, new)
            except ValueError as err:
                problems.append(f"{where}: {err}")
                continue
            observed = _source(lines, node)
            if observed != expected:
                diff = "".join(difflib.unified_diff(expected.splitlines(True), observed.splitlines(True),
                                                    f"{match['target']} (with replacements)", where))
                problems.append(f"{where}: differs from {match['target']}\n{diff}")
    return problems


def _body_key(node: Definition) -> str:
    """The definition's signature and body as an AST, its docstring left out."""
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    signature = ast.dump(node.args) if not isinstance(node, ast.ClassDef) else ast.dump(ast.Tuple(node.bases, ast.Load()))
    return type(node).__name__ + signature + ast.dump(ast.Module(body=body, type_ignores=[]))


def unmarked_duplicates(package: Path = PACKAGE, scopes=DUPLICATE_SCOPES) -> List[List[str]]:
    """Groups of functions or classes under ``scopes`` with the same signature and body, where more than one member
    carries no ``# Copied from`` marker."""
    groups: Dict[str, List[Tuple[str, bool]]] = {}
    for scope in scopes:
        for path in sorted((package / scope).rglob("*.py")):
            lines = path.read_text(encoding="utf-8").splitlines()
            for name, node in _definitions(ast.parse("\n".join(lines))):
                before = _first_line(node) - 2
                marked = before >= 0 and bool(ANY_MARKER.match(lines[before]))
                where = f"{path.relative_to(package.parent)}:{node.lineno}:{name}"
                groups.setdefault(_body_key(node), []).append((where, marked))
    return [[where for where, _ in members] for members in groups.values()
            if sum(not marked for _, marked in members) > 1]


# --------------------------------------------------------------------------------------------------------- tests
def test_every_marked_copy_equals_its_original():
    problems = check_copies()
    assert problems == [], "\n".join(problems)


def test_no_unmarked_duplicates_in_the_model_families():
    assert unmarked_duplicates() == []


def _fake_package(tmp_path: Path, copy: str) -> Path:
    package = tmp_path / "hfgan"
    (package / "models" / "a").mkdir(parents=True)
    for folder in (package, package / "models", package / "models" / "a"):
        (folder / "__init__.py").write_text("")
    (package / "models" / "a" / "modeling_a.py").write_text(
        "class Block:\n"
        "    def forward(self, x):\n"
        "        \"\"\"x -> 2x.\"\"\"\n"
        "        return x * 2  # doubled\n"
        "\n\n"
        "def width(level):\n"
        "    return 2**level\n")
    (package / "models" / "b.py").write_text(copy)
    return package


def test_the_check_finds_a_drifted_copy(tmp_path):
    faithful = ("class Other:\n"
                "    # Copied from hfgan.models.a.modeling_a.Block.forward\n"
                "    def forward(self, x):\n"
                "        \"\"\"x -> 2x.\"\"\"\n"
                "        return x * 2  # doubled\n"
                "\n\n"
                "# Copied from hfgan.models.a.modeling_a.width with width->depth, level->k\n"
                "def depth(k):\n"
                "    return 2**k\n")
    assert check_copies(_fake_package(tmp_path / "ok", faithful)) == []
    drifted = check_copies(_fake_package(tmp_path / "drift", faithful.replace("return x * 2", "return x * 3")))
    assert len(drifted) == 1 and "b.py:2: differs from hfgan.models.a.modeling_a.Block.forward" in drifted[0]
    assert "-    return x * 2  # doubled" in drifted[0] and "+    return x * 3  # doubled" in drifted[0]
    missing = check_copies(_fake_package(tmp_path / "missing", faithful.replace("Block.forward", "Block.backward")))
    assert len(missing) == 1 and "names no function or class" in missing[0]
    loose = check_copies(_fake_package(tmp_path / "loose", faithful.replace("with width->depth", "(roughly)")))
    assert len(loose) == 1 and "a marker reads" in loose[0]


def test_the_check_finds_unmarked_duplicates(tmp_path):
    package = _fake_package(tmp_path, "def width(level):\n    return 2**level\n")
    assert unmarked_duplicates(package) == [["hfgan/models/a/modeling_a.py:7:width", "hfgan/models/b.py:1:width"]]
    marked = _fake_package(tmp_path / "m", "# Copied from hfgan.models.a.modeling_a.width\ndef width(level):\n"
                                           "    return 2**level\n")
    assert unmarked_duplicates(marked) == []
