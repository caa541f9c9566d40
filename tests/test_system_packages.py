"""scripts/test.sh installs the Debian packages the suite needs when they are missing, and only then:
chromium, nginx, and fonts-noto-cjk, without which the Chinese journey's screenshots show boxes
instead of characters. The choice is scripts/_system_packages.sh, run here against stand-in commands."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "_system_packages.sh"


def _missing(tmp_path: Path, *, fonts: str | None, dpkg_has_fonts: bool = False, browser: bool = True) -> list[str]:
    """What the script would install, on a PATH where `fc-list` prints `fonts` (None: no fc-list at
    all) and `dpkg -s fonts-noto-cjk` answers as asked."""
    tmp_path = Path(tempfile.mkdtemp(dir=tmp_path))  # one stand-in PATH per call
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    present = tmp_path / "present"
    present.write_text("#!/bin/sh\n")
    present.chmod(0o755)
    stubs = {"dpkg": f"#!/bin/sh\nexit {0 if dpkg_has_fonts else 1}\n", "head": None, "cat": None}
    if fonts is not None:
        stubs["fc-list"] = f"#!/bin/sh\nprintf '%s' '{fonts}'\n"
    for name, body in stubs.items():
        target = bin_dir / name
        if body is None:  # the real tool
            target.symlink_to(shutil.which(name))
        else:
            target.write_text(body)
            target.chmod(0o755)
    env = {"PATH": str(bin_dir), "CHROMIUM_PATH": str(present if browser else tmp_path / "none"),
           "NGINX_PATH": str(present)}
    out = subprocess.run([shutil.which("bash"), "-c", f'source "{SCRIPT}"; missing_system_packages'],
                         env=env, capture_output=True, text=True, check=True)
    return out.stdout.split()


def test_a_machine_without_a_chinese_font_gets_fonts_noto_cjk(tmp_path):
    assert _missing(tmp_path, fonts="") == ["fonts-noto-cjk"]
    assert _missing(tmp_path, fonts=None) == ["fonts-noto-cjk"]  # no fontconfig: dpkg says it is not there
    assert _missing(tmp_path, fonts="", browser=False) == ["chromium", "fonts-noto-cjk"]


def test_nothing_is_installed_when_a_chinese_font_is_there(tmp_path):
    assert _missing(tmp_path, fonts="Noto Sans CJK SC\n") == []
    assert _missing(tmp_path, fonts=None, dpkg_has_fonts=True) == []


def test_test_sh_installs_what_the_check_names():
    script = (ROOT / "scripts" / "test.sh").read_text()
    assert "_system_packages.sh" in script and "apt-get install -y -qq $missing" in script
    assert "fonts-noto-cjk" in (ROOT / "README.md").read_text()


@pytest.mark.browser
def test_this_machine_renders_chinese_in_the_browser_tests():
    """The Chinese journey's screenshots need a CJK font (scripts/test.sh installs fonts-noto-cjk)."""
    from tests.conftest import need_service

    if shutil.which("fc-list") is None:
        need_service("fontconfig", "fc-list is missing")
    found = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout.strip()
    if not found:
        need_service("A Chinese font", "apt-get install -y fonts-noto-cjk (scripts/test.sh does)")
