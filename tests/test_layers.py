"""Layers: nothing below the feature blueprints imports one.

The blueprints that serve pages (auth, dashboard, events) are the top layer. They may
import what lies below them (app/cronofy, app/sync, app/models, app/security and the
top-level modules such as app/timezones.py), never the other way round: a worker, the
Cronofy client or a model never pulls in a page, and a helper that two layers need lives
in a neutral module. The app factory's `register_blueprints` is the one place that names
the blueprints, to register them.

The imports are read from the source (ast), so an import inside a function counts too.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

from tests.live import ROOT

APP = ROOT / "app"
# app/cronofy has a blueprint too (connect, callback, disconnect), but its package is
# mostly the API client and token upkeep that the sync layer needs: it counts as below.
FEATURES = ("app.auth", "app.dashboard", "app.events")
# (module, outermost function) allowed to import a feature: the factory registering them.
REGISTERS_THE_BLUEPRINTS = {("app", "register_blueprints")}


def module_name(path: Path, root: Path) -> str:
    """`app/sync/copy.py` is app.sync.copy; `app/sync/__init__.py` is app.sync."""
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def feature_of(module: str) -> str | None:
    return next((f for f in FEATURES if module == f or module.startswith(f"{f}.")), None)


def imported_modules(path: Path, root: Path) -> Iterator[tuple[int, str | None, list[str]]]:
    """For each import statement: its line, the function it is in, and what it may name."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]

    def walk(node: ast.AST, function: str | None) -> Iterator[tuple[int, str | None, list[str]]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                yield from walk(child, function or child.name)
            elif isinstance(child, ast.Import):
                yield child.lineno, function, [alias.name for alias in child.names]
            elif isinstance(child, ast.ImportFrom):
                base = absolute(child, package)
                # `from app import dashboard` names a package through its parent.
                yield child.lineno, function, [base, *(f"{base}.{a.name}" for a in child.names)]
            else:
                yield from walk(child, function)

    yield from walk(ast.parse(path.read_text(), str(path)), None)


def absolute(node: ast.ImportFrom, package: str) -> str:
    """The module a `from … import` reads, relative imports resolved."""
    if node.level == 0:
        return node.module or ""
    parts = package.split(".")[: len(package.split(".")) - (node.level - 1)]
    return ".".join([*parts, *([node.module] if node.module else [])])


def upward_imports(root: Path) -> list[str]:
    """Every import, in the package at `root`, from below the blueprints into one."""
    found = []
    for path in sorted(root.rglob("*.py")):
        name = module_name(path, root)
        if feature_of(name) is not None:
            continue  # a blueprint may import anything below it
        for line, function, modules in imported_modules(path, root):
            target = next((m for m in modules if feature_of(m)), None)
            if target and (name, function) not in REGISTERS_THE_BLUEPRINTS:
                found.append(f"{path.relative_to(root.parent)}:{line} imports {target}")
    return found


def test_nothing_below_the_blueprints_imports_one():
    assert upward_imports(APP) == []


def test_an_import_from_below_into_a_blueprint_is_caught(tmp_path):
    def write(name: str, source: str) -> None:
        path = tmp_path / "app" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)

    write(
        "__init__.py",
        "def register_blueprints():\n    from app.dashboard import routes\n\n"
        "def create_app():\n    from app import events\n",
    )
    write("sync/__init__.py", "")
    write(
        "sync/copy.py",
        "import app.auth.routes\nfrom app.dashboard.views import Calendar\n"
        "from ..events import calendars\nfrom app.models import User\n",
    )
    write("sync/later.py", "def later():\n    if True:\n        from .. import dashboard\n")
    write("timezones.py", "from app.dashboard.current import current_overview\n")
    # A blueprint may import below it, and another blueprint's model.
    write("dashboard/routes.py", "from app.sync import copy\nfrom app.events import x\n")
    assert upward_imports(tmp_path / "app") == [
        "app/__init__.py:5 imports app.events",
        "app/sync/copy.py:1 imports app.auth.routes",
        "app/sync/copy.py:2 imports app.dashboard.views",
        "app/sync/copy.py:3 imports app.events",
        "app/sync/later.py:3 imports app.dashboard",
        "app/timezones.py:1 imports app.dashboard.current",
    ]
