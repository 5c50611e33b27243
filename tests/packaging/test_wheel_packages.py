"""The wheel holds every package and module of provenance/ and callbacks/, found without a hand-kept list."""
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def tracked(*paths: str) -> list[str]:
    try:
        out = subprocess.run(["git", "ls-files", "--", *paths], cwd=REPO, check=True, capture_output=True, text=True)
    except (OSError, subprocess.CalledProcessError) as err:
        pytest.skip(f"needs a git checkout to know the tracked files: {err}")
    return out.stdout.split()


def wheel_path(rel: str) -> str:
    """Where a source file lands in the wheel: callbacks/ is installed as provenance/callbacks/."""
    return "provenance/" + rel if rel.startswith("callbacks/") else rel


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A wheel built, as a fresh clone would, from the tracked files plus two new, never-listed subpackages."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    for rel in tracked():
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / rel, src / rel)
    probes = ["provenance/zz_new_subpackage/__init__.py", "provenance/zz_new_subpackage/inner/__init__.py",
              "callbacks/zz_new_adapter/__init__.py"]
    for rel in probes:
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_text('"""A subpackage added after the package list was last edited."""\n')
    # No build isolation: the venv's setuptools, so the test needs no index and takes a few seconds.
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp),
                    str(src)], check=True, capture_output=True)
    wheel = next(tmp.glob("provenance-*.whl"))
    return set(zipfile.ZipFile(wheel).namelist()), probes


def test_every_tracked_module_is_in_the_wheel(built):
    names, _ = built
    sources = [rel for rel in tracked("provenance", "callbacks") if rel.endswith(".py")]
    packages = [rel for rel in sources if rel.endswith("/__init__.py")]
    assert len(packages) >= 10, packages  # provenance, its subpackages and callbacks
    missing = sorted(rel for rel in sources if wheel_path(rel) not in names)
    assert not missing, f"tracked modules missing from the wheel: {missing}"


def test_a_new_subpackage_ships_without_being_listed(built):
    names, probes = built
    assert "provenance/zz_new_subpackage/__init__.py" in names
    assert "provenance/zz_new_subpackage/inner/__init__.py" in names
    assert "provenance/callbacks/zz_new_adapter/__init__.py" in names  # under callbacks/, renamed like callbacks/
    assert all(wheel_path(rel) in names for rel in probes)


def test_the_wheel_ships_nothing_outside_the_package(built):
    names, _ = built
    top = {name.split("/")[0] for name in names}
    extra = top - {"provenance"}
    # no tests/, benchmarks/ or top-level callbacks/: only the package and its metadata
    assert len(extra) == 1 and extra.pop().endswith(".dist-info"), top
