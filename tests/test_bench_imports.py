"""The benchmarks in bench/ run outside the test suite: a name they import from the app that
moved elsewhere would only show when someone next measures. Check every import they make."""
import ast
import importlib
import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


def app_imports(path: Path) -> list[tuple[str, str]]:
    """(module, name) for every `from app… import name` in the script, at any depth."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and \
                (node.module == "app" or node.module.startswith("app.")):
            found += [(node.module, alias.name) for alias in node.names]
    return found


@pytest.mark.parametrize("script", sorted(BENCH.glob("*.py")), ids=lambda p: p.name)
def test_every_name_a_benchmark_imports_from_the_app_exists(script):
    imports = app_imports(script)
    missing = [f"{module}.{name}" for module, name in imports
               if not hasattr(importlib.import_module(module), name)
               and importlib.util.find_spec(f"{module}.{name}") is None]
    assert missing == [], f"{script.name} imports names the app no longer has"


def test_the_check_finds_a_name_that_is_gone(tmp_path):
    script = tmp_path / "old.py"
    script.write_text("def main():\n    from app.registration.services import new_token\n")
    [(module, name)] = app_imports(script)
    assert not hasattr(importlib.import_module(module), name)
