"""The package imports downwards only: each folder may use the folders listed before it, never
those after.  Inference (models, prediction) therefore cannot depend on training code."""

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
