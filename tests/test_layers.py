"""Layers point down (ARCHITECTURE.md): the imports of app/, read with `ast`.

No import cycle; no import of app.* inside a function (the way a cycle is usually dodged);
no `_private` name taken from another module; no view module importing another area's views;
no service module importing a form module; no name re-exported (`# noqa: F401`) from the module
it lives in, so each name has one home. tests/domain/test_layers.py keeps the domain pure.
"""
import ast
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[1] / "app"

# Function-level imports of app.* that are allowed, each with its reason.
FUNCTION_IMPORTS_ALLOWED = {
    # The factory: importing any app.X runs app/__init__ first, so the factory imports the
    # areas only when it is called; otherwise importing the models would load every view.
    "app": "the application factory's named steps",
}
# Packages whose purpose is to re-export the names of their modules, each with its reason.
RE_EXPORTS_ALLOWED = {
    "app.models": "every table known to Alembic autogenerate from one import",
    "app.domain.allocation": "the allocation's public names; its modules are internals",
}
# Imports kept for their side effect only (not re-exports), each with its reason.
SIDE_EFFECT_IMPORTS_ALLOWED = {
    ("app", "app.models"): "the factory makes every table known before anything queries",
}
# Areas: packages of app/ with views; models and domain are layers, not areas.
NOT_AREAS = {"models", "domain"}


@dataclass(frozen=True)
class Import:
    importer: str  # module name, e.g. app.registration.services
    target: str  # the module imported, e.g. app.events.locking
    names: tuple[str, ...]  # the names taken by `from … import …` (empty for `import x`)
    in_function: bool
    line: int
    unused: bool = False  # marked `# noqa: F401`: imported to be re-exported (or for a side effect)


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if path.name == "__init__.py" else parts)


def app_modules(root: Path = APP) -> dict[str, Path]:
    return {module_name(p, root): p for p in sorted(root.rglob("*.py"))}


def imports_of(name: str, source: str, modules: set[str], is_package: bool = False) -> list[Import]:
    """Every import of an app.* module in this source: top level, inside functions, relative.

    `from pkg import sub` imports the module pkg.sub when there is one, else names of pkg.
    Importing a module does not count as importing its parent packages (the factory in
    app/__init__ would otherwise sit on every path).
    """
    tree = ast.parse(source)
    lines = source.splitlines()
    package = name if is_package else name.rpartition(".")[0]
    found = []

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                       ast.Lambda))
            unused = isinstance(child, (ast.Import, ast.ImportFrom)) and any(
                "noqa: F401" in line for line in lines[child.lineno - 1:child.end_lineno])
            if isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name.split(".")[0] == "app":
                        found.append(Import(name, alias.name, (), inside, child.lineno, unused))
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")[:len(package.split(".")) - child.level + 1]
                    module = ".".join([*base, child.module] if child.module else base)
                else:
                    module = child.module or ""
                if module.split(".")[0] != "app":
                    continue
                plain = tuple(a.name for a in child.names if f"{module}.{a.name}" not in modules)
                if plain:
                    found.append(Import(name, module, plain, inside, child.lineno, unused))
                for alias in child.names:
                    if f"{module}.{alias.name}" in modules:
                        found.append(Import(name, f"{module}.{alias.name}", (), inside,
                                            child.lineno, unused))
            visit(child, inside)

    visit(tree, False)
    return found


def all_imports(root: Path = APP) -> list[Import]:
    modules = app_modules(root)
    found = []
    for name, path in modules.items():
        found += imports_of(name, path.read_text(encoding="utf-8"), set(modules),
                            path.name == "__init__.py")
    return found


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as [a, b, …, a], or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def walk(node):
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (cycle := walk(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(edges):
        if start not in state and (cycle := walk(start)):
            return cycle
    return None


def graph(imports: list[Import]) -> dict[str, set[str]]:
    edges: dict[str, set[str]] = defaultdict(set)
    for i in imports:
        if i.target != i.importer:
            edges[i.importer].add(i.target)
    return edges


def area_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 and parts[1] not in NOT_AREAS else None


def is_view_module(module: str) -> bool:
    last = module.rsplit(".", 1)[-1]
    return area_of(module) is not None and (last == "routes" or last.startswith("routes_"))


def is_form_module(module: str) -> bool:
    return module == "app.forms" or (area_of(module) is not None and module.endswith(".forms"))


def is_view_helper(module: str) -> bool:
    """A module of helpers that several areas' views share (registration/pages: the personal
    pages); views may import it, services must not."""
    return area_of(module) is not None and module.rsplit(".", 1)[-1] == "pages"


def is_service_module(module: str) -> bool:
    """Any module of an area that is neither views, view helpers, forms, nor the package."""
    return area_of(module) is not None and not (
        is_view_module(module) or is_view_helper(module) or is_form_module(module)
        or module.count(".") < 2)


# --- the rules, each a function of the imports so that the controls below can feed them ---

def cycle_in(imports: list[Import]) -> list[str] | None:
    return find_cycle(graph(imports))


def function_level(imports: list[Import]) -> list[str]:
    return sorted({f"{i.importer}:{i.line} imports {i.target}" for i in imports
                   if i.in_function and i.importer not in FUNCTION_IMPORTS_ALLOWED})


def private_names(imports: list[Import]) -> list[str]:
    return sorted(f"{i.importer}:{i.line} takes {i.target}.{n}" for i in imports
                  for n in i.names if n.startswith("_") and not n.startswith("__"))


def views_of_other_areas(imports: list[Import]) -> list[str]:
    return sorted(f"{i.importer} imports {i.target}" for i in imports
                  if area_of(i.importer) is not None and is_view_module(i.target)
                  and area_of(i.target) != area_of(i.importer))


def services_on_forms(imports: list[Import]) -> list[str]:
    return sorted(f"{i.importer} imports {i.target}" for i in imports
                  if is_service_module(i.importer) and is_form_module(i.target))


def services_on_views(imports: list[Import]) -> list[str]:
    return sorted(f"{i.importer} imports {i.target}" for i in imports
                  if is_service_module(i.importer)
                  and (is_view_module(i.target) or is_view_helper(i.target)))


def re_exports(imports: list[Import]) -> list[str]:
    """Names imported only to be importable from here: a second home for a name."""
    return sorted(f"{i.importer}:{i.line} re-exports {i.target}" + (f".{', '.join(i.names)}"
                                                                    if i.names else "")
                  for i in imports if i.unused and i.importer not in RE_EXPORTS_ALLOWED
                  and (i.importer, i.target) not in SIDE_EFFECT_IMPORTS_ALLOWED)


@pytest.fixture(scope="module")
def imports():
    return all_imports()


def test_the_walk_sees_the_app_and_imports_inside_functions(imports):
    modules = app_modules()
    assert {"app.registration.services", "app.events.locking", "app.jobs",
            "app.domain.allocation"} <= set(modules)
    # the factory imports the areas' blueprints inside register_blueprints
    assert any(i.importer == "app" and i.in_function for i in imports)
    assert graph(imports)["app.jobs"] >= {"app.registration.services", "app.mail.worker"}


def test_there_is_no_import_cycle_in_app(imports):
    cycle = cycle_in(imports)
    assert cycle is None, "import cycle: " + " → ".join(cycle)


def test_no_module_imports_app_inside_a_function(imports):
    assert function_level(imports) == []


def test_no_private_name_is_taken_from_another_module(imports):
    assert private_names(imports) == []


def test_no_view_module_imports_another_areas_views(imports):
    assert views_of_other_areas(imports) == []


def test_no_service_module_imports_a_form_module(imports):
    assert services_on_forms(imports) == []


def test_no_service_module_imports_views_or_view_helpers(imports):
    assert services_on_views(imports) == []


def test_no_module_re_exports_a_name_of_app(imports):
    """A name has one home: callers import it from the module that defines it."""
    assert re_exports(imports) == []


def test_the_packages_allowed_to_re_export_do_so_through_all():
    for package in RE_EXPORTS_ALLOWED:
        path = APP.parent.joinpath(*package.split("."), "__init__.py")
        assert "__all__" in path.read_text(encoding="utf-8"), package


def test_mail_only_sends_mail(imports):
    """The scheduled jobs sit above the areas (app/jobs.py); app/mail imports no area."""
    mail = [i for i in imports if area_of(i.importer) == "mail" and area_of(i.target)
            not in (None, "mail", "auth")]
    assert mail == []


# --- controls: each rule catches what it is meant to catch ---------------------------------

def parse(sources: dict[str, str]) -> list[Import]:
    modules = set(sources)
    return [i for name, source in sources.items() for i in imports_of(name, source, modules)]


def test_a_cycle_through_a_function_level_import_is_found_and_named():
    imports = parse({
        "app.a.services": "from app.b.services import thing\n",
        "app.b.services": "def f():\n    from app.a.services import other\n",
    })
    assert cycle_in(imports) == ["app.a.services", "app.b.services", "app.a.services"]
    assert function_level(imports) == ["app.b.services:2 imports app.a.services"]


def test_relative_and_submodule_imports_count():
    imports = parse({
        "app.a.services": "from ..b import services\n",
        "app.b.services": "from app.a import services as a\n",
    })
    assert cycle_in(imports) is not None


def test_a_straight_chain_is_no_cycle():
    imports = parse({"app.a.routes": "from app.a import services\n",
                     "app.a.services": "from app.events.locking import lock_event\n",
                     "app.events.locking": "from app.models import Event\n"})
    assert cycle_in(imports) is None
    assert function_level(imports) == private_names(imports) == []


def test_private_names_views_and_forms_are_caught():
    imports = parse({
        "app.a.services": "from app.b.services import _holders, public\nfrom app.a.forms import X\n",
        "app.a.routes": "from app.b.routes import private_page\nfrom app.a.forms import Y\n",
        "app.a.routes_manage": "from app.a.routes import z\n",
        "app.b.staff": "from app.forms import TextForm\nfrom app.b.pages import private_page\n",
        "app.b.routes": "from app.a.pages import private_page\nfrom app.a.services import x\n",
    })
    assert private_names(imports) == ["app.a.services:1 takes app.b.services._holders"]
    assert views_of_other_areas(imports) == ["app.a.routes imports app.b.routes"]
    assert services_on_forms(imports) == ["app.a.services imports app.a.forms",
                                          "app.b.staff imports app.forms"]
    assert services_on_views(imports) == ["app.b.staff imports app.b.pages"]


def test_a_re_export_is_caught_but_not_an_allowed_package_or_a_side_effect():
    imports = parse({
        "app.a.services": ("from app.a.topics import (  # noqa: F401  (routes call these)\n"
                           "    groups_of, topics_of)\nfrom app.a.placement import allocate\n"),
        "app.b.services": "from app.a import topics  # noqa: F401\n",
        "app.models": "from app.models.user import User  # noqa: F401\n",
        "app": "def create_app():\n    from app import models  # noqa: F401\n",
        "app.a.topics": "", "app.a.placement": "", "app.a": "", "app.models.user": "",
    })
    assert re_exports(imports) == ["app.a.services:1 re-exports app.a.topics.groups_of, topics_of",
                                   "app.b.services:1 re-exports app.a.topics"]
