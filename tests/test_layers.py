"""The layers of DESIGN.md hold, as `lint-imports` checks them (.importlinter): entry above web, api,
realtime and page caching, above services, above the policy, above models, above the pure base; no
cycles between forum modules. And the contract bites: a service that imports forum.realtime, or a
model that imports a service, breaks it (checked on a copy of the code with that one import added)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    if not LINT_IMPORTS.exists():
        pytest.fail("lint-imports is not installed (pip install -r requirements-dev.txt)")
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--config", str(root / ".importlinter")],
                          cwd=root, env=env, capture_output=True, text=True, timeout=300)


def copy_with(tmp_path: Path, module: str, line: str) -> Path:
    """The code base copied, with `line` added at the end of `module` (a path under forum/)."""
    shutil.copytree(ROOT / "forum", tmp_path / "forum", ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    target = tmp_path / "forum" / module
    target.write_text(target.read_text() + f"\n{line}\n")
    return tmp_path


def test_the_layer_contract_holds():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "Contracts: 3 kept, 0 broken." in result.stdout


def test_a_service_importing_realtime_breaks_it(tmp_path):
    result = lint_imports(copy_with(tmp_path, "services/boards.py", "from forum import realtime  # noqa"))
    assert result.returncode != 0
    assert "forum.services.boards -> forum.realtime" in result.stdout


def test_a_model_importing_a_service_breaks_it(tmp_path):
    result = lint_imports(copy_with(tmp_path, "models/board.py", "from forum.services import boards  # noqa"))
    assert result.returncode != 0
    assert "forum.models.board -> forum.services.boards" in result.stdout


# --- no loops between any two forum modules, at any depth --------------------------------------------
# The acyclic contract above compares siblings of the packages it names; this check is finer: no
# module of forum/ reaches itself through its imports (function-level imports included, as grimp reads
# every import statement).

def module_loops(graph) -> list[tuple[str, ...]]:
    """Each import a -> b where b leads back to a: (a, b, ..., a)."""
    loops = []
    for module in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            chain = graph.find_shortest_chain(importer=imported, imported=module)
            if chain:
                loops.append((module, *chain))
    return loops


def test_the_loop_check_finds_a_loop():
    graph = grimp.ImportGraph()
    for importer, imported in (("forum.a", "forum.b"), ("forum.b", "forum.c"), ("forum.c", "forum.d")):
        graph.add_import(importer=importer, imported=imported)
    assert module_loops(graph) == []
    graph.add_import(importer="forum.c", imported="forum.a")
    assert ("forum.a", "forum.b", "forum.c", "forum.a") in module_loops(graph)


def test_no_forum_module_imports_itself_through_others():
    sys.path.insert(0, str(ROOT))
    try:
        graph = grimp.build_graph("forum", cache_dir=None)
    finally:
        sys.path.remove(str(ROOT))
    assert "forum.services.moderation.actions" in graph.modules
    assert module_loops(graph) == []
