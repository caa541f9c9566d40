from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_secret_key_is_generated_once_privately_and_shared_by_processes(tmp_path):
    env = {"INSTANCE_PATH": str(tmp_path), "PATH": "/usr/bin:/bin"}
    script = "from config import Config; print(Config().SECRET_KEY)"
    procs = [subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
             for _ in range(4)]
    keys = {p.communicate(timeout=60)[0].strip() for p in procs}
    assert len(keys) == 1 and len(keys.pop()) == 64
    key_file = tmp_path / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]


def test_secret_key_and_database_from_the_environment(monkeypatch, tmp_path):
    from config import Config

    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.example/forum")
    config = Config()
    assert config.SECRET_KEY == "from-the-environment"
    assert config.SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://u:p@db.example/forum"
