"""The domain layer stays pure: no module under app/domain/ imports the web or the database."""
import ast
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parents[2] / "app" / "domain"
FORBIDDEN = ("flask", "sqlalchemy", "app.models", "app.extensions")


def forbidden_imports(source: str, package: str) -> list[str]:
    """The forbidden modules a source imports (also inside functions, and relatively)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # `from ..models import X` from app/domain/x.py is app.models
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            # `from app import models` imports app.models too
            names = [module, *(f"{module}.{alias.name}" for alias in node.names)]
        else:
            continue
        for name in names:
            if (any(name == f or name.startswith(f + ".") for f in FORBIDDEN)
                    or name.startswith("flask_")):  # Flask's extensions are flask too
                found.append(name)
    return found


def domain_modules():
    return sorted(DOMAIN.rglob("*.py"))


def package_of(path: Path) -> str:
    parts = path.relative_to(DOMAIN.parents[1]).with_suffix("").parts
    return ".".join(parts if path.name == "__init__.py" else parts[:-1])


@pytest.mark.parametrize("path", domain_modules(), ids=lambda p: str(p.relative_to(DOMAIN)))
def test_no_domain_module_imports_flask_sqlalchemy_models_or_extensions(path):
    assert forbidden_imports(path.read_text(encoding="utf-8"), package_of(path)) == []


def test_the_walk_sees_the_allocation_package():
    names = {str(p.relative_to(DOMAIN)) for p in domain_modules()}
    assert {"capacity.py", "allocation/__init__.py", "allocation/solvers.py"} <= names


@pytest.mark.parametrize("source", [
    "import flask",
    "from flask import current_app",
    "import sqlalchemy as sa",
    "from sqlalchemy.orm import Session",
    "from app.models import Registration",
    "from app import models",
    "from app.extensions import db",
    "def f():\n    from flask_babel import gettext\n",
    "from ..models import Registration",
    "from .. import extensions",
])
def test_the_check_catches_every_way_of_importing_them(source):
    assert forbidden_imports(source, "app.domain") != []


def test_the_check_lets_pure_imports_through():
    source = "import math\nfrom app.domain.allocation.problem import Problem\nfrom . import capacity\n"
    assert forbidden_imports(source, "app.domain") == []
