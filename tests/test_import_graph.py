"""hfgan's import graph, read from the source: module-level and function-level imports, and
``importlib.import_module`` calls whose module name is a string the source spells out.

``import_graph()`` maps each module of hfgan to the hfgan modules it imports; ``cycles(graph)`` lists its import
cycles. Importing ``a.b.c`` also runs ``a/__init__`` and ``a/b/__init__``, so those count too, except the
importer's own packages (already imported when it runs). A package's lazy export table (``hfgan/__init__``) is not
read: it imports a name when the name is first used.
"""

import ast
from pathlib import Path
from typing import Dict, List, Optional, Set

import hfgan

PACKAGE = Path(hfgan.__file__).parent
UPLOAD = "hfgan.hub"
CARDS = "hfgan.cards"


def module_name(path: Path, root: Path = PACKAGE) -> str:
    """``hfgan/cards/render.py`` -> ``hfgan.cards.render``; a package's ``__init__.py`` is the package."""
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _package_of(module: str, path: Path) -> str:
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def _resolve(package: str, level: int, name: Optional[str]) -> str:
    """The absolute name of ``from <level dots><name> import ...`` written in ``package``."""
    if level == 0:
        return name or ""
    base = package.split(".")[: len(package.split(".")) - (level - 1)]
    return ".".join(base + ([name] if name else []))


def _string(node: ast.AST, package: str) -> Optional[str]:
    """A module name spelled in the source: a string, ``__package__``, or a ``+`` of those."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name) and node.id == "__package__":
        return package
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _string(node.left, package), _string(node.right, package)
        return left + right if left is not None and right is not None else None
    return None


def _imported_names(tree: ast.AST, package: str) -> Set[str]:
    """Every module name ``tree`` imports, as written (``from x import y`` gives ``x`` and ``x.y``)."""
    names: Set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(package, node.level, node.module)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) == "import_module":
            name = _string(node.args[0], package) if node.args else None
            if name is not None and name.startswith("."):
                anchor = _string(node.args[1], package) if len(node.args) > 1 else None
                name = _resolve(anchor, len(name) - len(name.lstrip(".")), name.lstrip(".") or None) if anchor else None
            if name:
                names.add(name)
    return names


def import_graph(root: Path = PACKAGE) -> Dict[str, Set[str]]:
    """``{module: the hfgan modules it imports}`` for every ``.py`` file under ``root``."""
    files = {module_name(path, root): path for path in sorted(root.rglob("*.py"))}
    graph: Dict[str, Set[str]] = {}
    for module, path in files.items():
        package = _package_of(module, path)
        own = {".".join(module.split(".")[:i]) for i in range(1, module.count(".") + 1)} | {module}
        targets = set()
        for name in _imported_names(ast.parse(path.read_text(encoding="utf-8")), package):
            parts = name.split(".")
            targets |= {".".join(parts[:i]) for i in range(1, len(parts) + 1)} & set(files)
        graph[module] = targets - own
    return graph


def cycles(graph: Dict[str, Set[str]]) -> List[List[str]]:
    """The import cycles of ``graph``: its strongly connected components of more than one module (or a module
    that imports itself), each sorted (Tarjan's algorithm)."""
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    stack: List[str] = []
    on_stack: Set[str] = set()
    found: List[List[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph.get(node, ()):
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def reachable(graph: Dict[str, Set[str]], start: str) -> Set[str]:
    """The modules ``start`` imports, directly or through others."""
    seen, todo = set(), [start]
    while todo:
        for target in graph.get(todo.pop(), ()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def _in(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_the_graph_sees_function_level_and_importlib_imports(tmp_path):
    pkg = tmp_path / "hfgan"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("from .leaf import x\n")
    (pkg / "sub" / "leaf.py").write_text("x = 1\n")
    (pkg / "a.py").write_text("def f():\n    from .sub import leaf\n")
    (pkg / "b.py").write_text("import importlib\n\ndef g():\n    importlib.import_module(__package__ + '.a')\n")
    (pkg / "c.py").write_text("import hfgan.b\n")
    graph = import_graph(pkg)
    assert graph["hfgan.a"] == {"hfgan.sub", "hfgan.sub.leaf"} and graph["hfgan.sub"] == {"hfgan.sub.leaf"}
    assert graph["hfgan.b"] == {"hfgan.a"} and graph["hfgan.c"] == {"hfgan.b"}
    assert cycles({**graph, "hfgan.sub.leaf": {"hfgan.b"}}) == [["hfgan.a", "hfgan.b", "hfgan.sub", "hfgan.sub.leaf"]]


def test_no_cycle_runs_through_the_card_or_upload_modules():
    graph = import_graph()
    assert UPLOAD in graph
    through = [c for c in cycles(graph) if any(_in(m, CARDS) or m == UPLOAD for m in c)]
    assert through == []


def test_the_package_has_no_import_cycle():
    """No cycle anywhere in hfgan, counting imports inside functions and importlib calls (ARCHITECTURE.md's layers)."""
    assert cycles(import_graph()) == []


def test_models_know_no_pipeline():
    graph = import_graph()
    models = [m for m in graph if _in(m, "hfgan.models")]
    assert [m for m in models if any(_in(t, "hfgan.pipelines") for t in graph[m])] == []


def test_cards_and_upload_know_no_pipeline_or_model():
    """The card is rendered from the facts a pipeline gives (``pipe.card_facts()``), and a push is handed the card:
    neither the card modules nor the upload module reach hfgan.pipelines or hfgan.models, even indirectly."""
    graph = import_graph()
    for module in [m for m in graph if _in(m, CARDS)] + [UPLOAD]:
        reached = sorted(m for m in reachable(graph, module) if _in(m, "hfgan.pipelines") or _in(m, "hfgan.models"))
        assert reached == [], (module, reached)


def test_lower_layers_do_not_import_the_upload_module():
    graph = import_graph()
    lower = [m for m in graph if _in(m, "hfgan.metrics") or _in(m, "hfgan.models") or m == "hfgan.training.rundir"]
    assert "hfgan.training.rundir" in lower and "hfgan.metrics.evaluate" in lower
    assert [m for m in lower if UPLOAD in graph[m]] == []



def test_a_card_is_rendered_from_card_facts_alone(tiny_conditional_pipeline):
    """What keeps the card modules free of the pipelines: a pipeline tells its card everything through one method,
    ``card_facts()``, and a card rendered from those facts is the pipeline's card."""
    from hfgan.cards import CardFacts, ComponentFacts, model_card_text

    tiny_conditional_pipeline.card_data = {"name": "Tiny", "dataset": "fashion_mnist"}
    facts = tiny_conditional_pipeline.card_facts()
    assert isinstance(facts, CardFacts) and (facts.family, facts.num_classes) == ("dcgan", 3)
    assert facts.class_names == ("shirt", "shoe", "bag") and [c.name for c in facts.components] == ["generator", "discriminator"]
    assert model_card_text(facts, "org/tiny") == model_card_text(tiny_conditional_pipeline, "org/tiny")
    made = CardFacts(class_name="GANPipeline", family="dcgan", pipeline_tag="unconditional-image-generation",
                     sample_size=28, out_channels=1, components=(ComponentFacts("generator", "DCGANGenerator", 2_500_000),))
    text = model_card_text(made)
    assert "A DCGANGenerator that generates 28x28 grayscale images" in text and "| generator | `DCGANGenerator` | 2.50 M |" in text
