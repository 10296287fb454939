"""The benchmark scripts (benchmarks/*.py) still name what the package has: every
``videoaffect`` module and name they import exists.  They run for minutes, so CI does not run
them; without this check a rename leaves a script broken until someone measures again (as
bench_curves.py was, importing a module removed in 0.3)."""

import ast
import importlib
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _videoaffect_imports(path: Path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "videoaffect":
            yield node.lineno, node.module, [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "videoaffect":
                    yield node.lineno, alias.name, []


def _missing(path: Path) -> list[str]:
    missing = []
    for line, module, names in _videoaffect_imports(path):
        try:
            imported = importlib.import_module(module)
        except ImportError as exc:
            missing.append(f"{path.name}:{line} {module} ({exc})")
            continue
        for name in names:
            if not hasattr(imported, name):
                try:  # a submodule: from videoaffect.x import y
                    importlib.import_module(f"{module}.{name}")
                except ImportError:
                    missing.append(f"{path.name}:{line} {module}.{name}")
    return missing


def test_the_check_sees_a_missing_module_and_a_missing_name(tmp_path):
    script = tmp_path / "bench_old.py"
    script.write_text("from videoaffect.datasets.detect import load_dataset\n"
                      "from videoaffect.datasets.clips import ClipSampler, beta_for\n")
    assert [m.split(" ")[0] + " " + m.split(" ")[1] for m in _missing(script)] == [
        "bench_old.py:1 videoaffect.datasets.detect", "bench_old.py:2 videoaffect.datasets.clips.beta_for"]


@pytest.mark.parametrize("script", sorted(BENCHMARKS.glob("*.py")), ids=lambda p: p.name)
def test_benchmark_script_imports_exist(script):
    assert _missing(script) == []
