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
