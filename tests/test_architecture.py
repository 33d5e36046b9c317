"""The tree shows the architecture, and these checks keep it so.

- dependencies point one way: widget -> view/render/core/control/follow/store; core imports only core,
  render only core and render, store only core, render (the frame loop's timer) and store; view and follow never import the widget; landscape (its own widget)
  uses core, render, control and view, never the loss widget;
- no import cycle between modules, counting the imports made only for type checking (``if TYPE_CHECKING:``);
- no module reads another object's private attributes (ipykernel's, in control/peek.py and
  control/subshell.py, excepted: those are the documented delivery mechanisms).

Size is not capped here: functions are held to a complexity rule (ruff ``C901``, ``PLR0912``, ``PLR0915`` in
pyproject.toml, run by ``make test``), and modules follow a soft guide (one responsibility per module, about
300 lines; split by meaning, never behind re-exports to meet a number).
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "lossplot_widget"
#: private attributes of other libraries that a module may use, and why
ALLOWED_PRIVATE = {
    ("control/peek.py", "_recv_callback"): "ipykernel 7.0-7.3 stream callback (documented in control/delivery.py)",
    ("control/peek.py", "_queue"): "ipykernel 6 message queue (documented in control/delivery.py)",
    ("control/subshell.py", "_create_subshell"): "ipykernel >= 7.4 subshell manager, run on its own thread as the "
    "kernel's create_subshell_request does (documented in control/subshell.py)",
    ("follow/tbevents.py", "_replace"): "NamedTuple's public API",
    ("keras.py", "_jax_state"): "the state Keras' JAX trainer sets for callbacks to read (metric counts during fit)",
    ("adapters/lightning_hooks.py", "_batches_that_stepped"): "the step Lightning's loggers write (its own "
    "LearningRateMonitor reads it too)",
}


def _module(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.stmt) -> bool:
    return isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING")


def _top_level_imports(path: Path, type_checking: bool) -> set[str]:
    """Modules of the package imported at module level (``type_checking``: those in ``if TYPE_CHECKING:`` blocks
    instead); imports inside functions are not edges of the graph."""
    mod = _module(path)
    package = mod if path.name == "__init__.py" else mod.rsplit(".", 1)[0]
    out: set[str] = set()
    body = ast.parse(path.read_text()).body
    if type_checking:
        body = [n for node in body if _is_type_checking(node) for n in node.body]  # type: ignore[attr-defined]
    for node in body:
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
            target = ".".join(base + ([node.module] if node.module else []))
            if node.module is None:  # from . import x: the submodules
                out.update(f"{target}.{alias.name}" for alias in node.names)
            else:
                out.add(target)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("lossplot_widget"):
            out.add(node.module or "")
    return out


RUNTIME = {_module(p): _top_level_imports(p, type_checking=False) for p in PACKAGE.rglob("*.py")}
TYPE_ONLY = {_module(p): _top_level_imports(p, type_checking=True) for p in PACKAGE.rglob("*.py")}
#: every edge: an import made only for type checking still ties the two modules' designs together
GRAPH = {mod: RUNTIME[mod] | TYPE_ONLY[mod] for mod in RUNTIME}


def _layer(mod: str) -> str:
    parts = mod.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_dependencies_point_one_way():
    allowed = {
        "core": {"core"},
        "render": {"core", "render"},
        "control": {"control"},
        "follow": {"core", "follow", "store"},
        "store": {"core", "render", "store"},
        "view": {"core", "render", "control", "view"},
        "landscape": {"core", "render", "control", "view", "landscape"},
    }
    bad = [
        (mod, dep) for mod, deps in GRAPH.items() for dep in deps
        if _layer(mod) in allowed and _layer(dep) not in allowed[_layer(mod)]
    ]
    assert bad == []


def test_no_import_cycle():
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(mod: str, stack: list[str]) -> None:
        state[mod] = 1
        stack.append(mod)
        for dep in GRAPH.get(mod, ()):
            # importing a submodule runs its package's __init__ first: that edge is not a cycle
            if dep not in GRAPH or mod.startswith(dep + "."):
                continue
            if state.get(dep) == 1:
                cycles.append(stack[stack.index(dep):] + [dep])
            elif dep not in state:
                visit(dep, stack)
        stack.pop()
        state[mod] = 2

    for mod in GRAPH:
        if mod not in state:
            visit(mod, [])
    assert cycles == []


def test_no_module_reads_another_objects_private_attributes():
    found = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE).as_posix()
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")):
                continue
            owner = node.value
            if isinstance(owner, ast.Name) and owner.id in ("self", "cls"):
                continue
            if isinstance(owner, ast.Call) and ast.unparse(owner.func) == "super":
                continue
            if (rel, node.attr) not in ALLOWED_PRIVATE:
                found.append(f"{rel}:{node.lineno}: {ast.unparse(node)}")
    assert found == []


def test_type_checking_imports_are_counted():
    """The graph holds the TYPE_CHECKING imports (printed): the cycle and layer checks see them."""
    edges = sorted((mod, dep) for mod, deps in TYPE_ONLY.items() for dep in deps)
    print(f"{len(edges)} TYPE_CHECKING imports:", edges)
    assert ("lossplot_widget.view.plot", "lossplot_widget.control.scope") in edges  # one known to exist
    assert all(dep in GRAPH[mod] for mod, dep in edges)


def test_complexity_rule_replaces_the_size_cap():
    import tomllib

    lint = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text())["tool"]["ruff"]["lint"]
    assert {"C901", "PLR0912", "PLR0915"} <= set(lint["select"])
