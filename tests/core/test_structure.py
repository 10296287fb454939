"""The package imports downwards only: each folder may use the folders listed before it, never
those after.  Inference (models, prediction) therefore cannot depend on training code.  Within
the package no two modules import each other, even through a chain or an import inside a
function, and no module takes another's private (``_name``) names."""

import ast
from pathlib import Path

import videoaffect

LAYERS = ["core", "decoding", "weights", "extractors", "features", "datasets", "models", "evaluation", "training",
          "reproduction", "reports", "prediction", "cli"]
PACKAGE = Path(videoaffect.__file__).parent


def _imports(path: Path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "videoaffect":
            yield node.lineno, node.module
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "videoaffect":
                    yield node.lineno, alias.name


def test_every_folder_is_a_known_layer():
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").is_file()}
    assert folders == set(LAYERS)


def test_packages_import_downwards_only():
    rank = {name: i for i, name in enumerate(LAYERS)}
    upward = []
    for path in PACKAGE.rglob("*.py"):
        layer = path.relative_to(PACKAGE).parts[0]
        if layer not in rank:
            continue  # the package's own __init__ / __main__
        for line, module in _imports(path):
            parts = module.split(".")
            if len(parts) == 1:
                continue  # `from videoaffect import __version__`: package metadata
            if parts[1] in rank and rank[parts[1]] > rank[layer]:
                upward.append(f"{path.relative_to(PACKAGE)}:{line} imports {module}")
    assert upward == []


def test_task_names_are_defined_once():
    literal = '("valence", "arousal")'
    copies = [str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py") if literal in p.read_text()]
    assert copies == [], f"use videoaffect.core.vocabulary.TASKS instead of a literal in {copies}"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _imported_modules(path: Path) -> set[str]:
    """The package's modules that ``path`` imports, at any depth (inside functions and
    ``if TYPE_CHECKING:`` blocks too); ``from pkg import name`` with ``name`` a submodule counts
    as that submodule."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and node.module.split(".")[0] == "videoaffect":
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in MODULES else node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "videoaffect")
    return found & set(MODULES)


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    circles.append(sorted(component))
    return circles


def test_circle_finder_finds_a_circle_through_a_chain():
    # The finder itself: a -> b -> c -> a is one circle, d hangs off it and is not in it.
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert _circles(graph) == [["a", "b", "c"]]


def test_no_import_circles_between_modules():
    graph = {name: _imported_modules(path) - {name} for name, path in MODULES.items()}
    circles = _circles(graph)
    described = [
        "; ".join(f"{m} imports {sorted(graph[m] & set(c))}" for m in c) for c in circles
    ]
    assert described == [], "move the piece both sides need into a module of its own"


def test_no_private_names_imported_from_another_module():
    private = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "videoaffect":
                names = [a.name for a in node.names if a.name.startswith("_") and not a.name.startswith("__")]
                private += [f"{path.relative_to(PACKAGE)}:{node.lineno} takes {node.module}.{n}" for n in names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names if a.name.split(".")[0] == "videoaffect"
                         and any(part.startswith("_") and not part.startswith("__") for part in a.name.split("."))]
                private += [f"{path.relative_to(PACKAGE)}:{node.lineno} imports {n}" for n in names]
    assert private == [], "make the name public (a name saying what it is) or keep its use in its module"



def _private_members_defined(tree) -> set[str]:
    """Private (``_name``) attributes a module defines on its classes: methods and assigned fields."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for item in ast.walk(node):
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    names.add(item.name)
                elif isinstance(item, ast.Attribute) and isinstance(item.ctx, ast.Store):
                    names.add(item.attr)
                elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    names.add(item.target.id)
    return {n for n in names if n.startswith("_") and not n.startswith("__")}


def _private_uses_across_modules(sources: dict[str, str]) -> list[str]:
    trees = {name: ast.parse(text) for name, text in sources.items()}
    defined = {name: _private_members_defined(tree) for name, tree in trees.items()}
    uses = []
    for name, tree in trees.items():
        elsewhere = set().union(*(d for other, d in defined.items() if other != name)) - defined[name]
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in elsewhere:
                if not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")):
                    uses.append(f"{name}:{node.lineno} uses .{node.attr}")
    return uses


def test_private_use_finder_sees_a_call_from_another_module():
    sources = {
        "a": "class Corpus:\n    def _validate(self):\n        pass\n    def copy(self, other):\n        other._validate()\n",
        "b": "def build(corpus):\n    corpus._validate()\n",
    }
    assert _private_uses_across_modules(sources) == ["b:2 uses ._validate"]


def test_no_private_members_used_from_another_module():
    """``corpus._validate()`` from another module is a private name crossing modules too."""
    sources = {str(p.relative_to(PACKAGE)): p.read_text() for p in PACKAGE.rglob("*.py")}
    assert _private_uses_across_modules(sources) == [], "make the member public or keep its use in its module"

# Test folders that are not a package of src/videoaffect: whole commands across packages, the
# benchmark scripts of the repository's benchmarks/ folder, and test data.
TESTS = Path(__file__).resolve().parents[1]
NOT_PACKAGES = {"end_to_end", "benchmarks", "data"}


def test_tests_mirror_the_package_folders():
    """A module's tests are found by its path: tests/<folder>/ for src/videoaffect/<folder>/."""
    packages = {p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("__init__.py")}
    packages = {str(Path(p).parent) for p in packages} - {"."}
    folders = {
        p.relative_to(TESTS).as_posix()
        for p in TESTS.rglob("*")
        if p.is_dir() and p.name != "__pycache__" and p.relative_to(TESTS).parts[0] not in NOT_PACKAGES
    }
    assert folders - packages == set(), "test folders without a package of that path"
    tested = {str(Path(p).parent.relative_to(TESTS)) for p in TESTS.rglob("test_*.py")}
    untested = {p for p in packages if p not in tested and p not in folders}
    # tested through their users: the tables by tests/reproduction, the generators by every test
    # that builds its own data
    assert untested <= {"reproduction/tables", "datasets/synthetic"}, f"packages without tests: {sorted(untested)}"
