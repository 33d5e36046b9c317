"""The package as a user gets it: ``python -m build`` makes an sdist and a wheel, ``twine check`` accepts them,
the public metadata names ranges (the development pins live in constraints.txt), and the wheel installed into
a clean venv, with no extras, runs the README's quickstart without importing torch, keras or jax."""

from __future__ import annotations

import email
import re
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest
from _frameworks import require

REPO = Path(__file__).resolve().parent.parent
FENCE = re.compile(r"^```python\n(.*?)^```", re.S | re.M)

require("build")
require("twine")
require("hatchling")


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # --no-isolation: hatchling from this venv (no download); the result is the same files
    subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--sdist", "--wheel", "--outdir", str(out),
                    str(REPO)], check=True, capture_output=True)
    return out


def _version() -> str:
    text = (REPO / "lossplot_widget" / "__init__.py").read_text()
    return re.search(r'^__version__ = "([^"]+)"', text, re.M).group(1)


def test_build_makes_an_sdist_and_a_wheel_twine_accepts(dist: Path) -> None:
    version = _version()
    wheel, sdist = dist / f"lossplot_widget-{version}-py3-none-any.whl", dist / f"lossplot_widget-{version}.tar.gz"
    assert wheel.is_file() and sdist.is_file(), sorted(p.name for p in dist.iterdir())
    check = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", str(wheel), str(sdist)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_wheel_holds_the_package_and_its_public_metadata(dist: Path) -> None:
    (wheel,) = dist.glob("*.whl")
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        meta = email.message_from_bytes(z.read(next(n for n in names if n.endswith(".dist-info/METADATA"))))
    packages = {n.split("/")[0] for n in names}
    assert packages == {"lossplot_widget", f"lossplot_widget-{_version()}.dist-info"}, packages
    for needed in ("lossplot_widget/__init__.py", "lossplot_widget/widget.py", "lossplot_widget/py.typed",
                   "lossplot_widget/landscape/widget.py", "lossplot_widget/keras.py"):
        assert needed in names
    assert any(n.endswith("licenses/LICENSE") for n in names)
    assert meta["Version"] == _version() and meta["Name"] == "lossplot-widget"
    requires = meta.get_all("Requires-Dist")
    pinned = [r for r in requires if "==" in r.split(";")[0]]
    assert not pinned, "public metadata names ranges; the pins are in constraints.txt"
    assert any(r.startswith("torch>=") and re.search(r"extra == .torch.", r) for r in requires), requires
    assert "Live training curves" in meta.get_payload()  # the README is the long description


def test_sdist_carries_tests_docs_and_tutorials(dist: Path) -> None:
    (sdist,) = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    for needed in ("README.md", "CHANGELOG.md", "LICENSE", "constraints.txt", "docs/conf.py",
                   "notebooks/00_quickstart.ipynb", "tests/test_readme.py", "lossplot_widget/widget.py"):
        assert needed in names
    assert not [n for n in names if n.startswith(("node_modules", "docs/_build", ".venv"))]


def test_wheel_in_a_clean_venv_runs_the_quickstart_without_frameworks(dist: Path, tmp_path: Path) -> None:
    (wheel,) = dist.glob("*.whl")
    env_dir = tmp_path / "clean"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(wheel)],
                   check=True, capture_output=True)
    quickstart = FENCE.findall((REPO / "README.md").read_text())[0]
    probe = quickstart + (
        "\nimport sys\n"
        "print('points', len(w.history['loss']), len(w.history['val_loss']))\n"
        "print('frameworks', sorted(m for m in ('torch', 'keras', 'jax', 'tensorflow', 'transformers',"
        " 'lightning') if m in sys.modules))\n"
    )
    out = subprocess.run([str(python), "-c", probe], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["points 500 5", "frameworks []"], out.stdout + out.stderr
    freeze = subprocess.run([str(python), "-m", "pip", "freeze"], capture_output=True, text=True).stdout.lower()
    assert "torch" not in freeze and "keras" not in freeze
