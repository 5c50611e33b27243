"""pyproject.toml's ranges, constraints.txt (the known-good set) and constraints-lowest.txt (the tested floors)
agree with each other."""
import re
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO = Path(__file__).resolve().parents[2]
tomllib = pytest.importorskip("tomllib") if sys.version_info >= (3, 11) else pytest.importorskip("tomli")

# The dev extra's tools (pytest, torchdata, ruff) are the only requirements whose floors `make test-compat` does not
# pin: it installs the newest releases of them that the other pins allow.
# Test and lint tools of the dev extra: not runtime dependencies, so make test-compat does not pin their floors.
UNPINNED_FLOORS = {"pytest", "pytest-xdist", "torchdata", "ruff", "moto", "s3fs", "tensorboard", "matplotlib"}


def requirements() -> dict[str, Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    reqs = [Requirement(r) for r in project["dependencies"]]
    reqs += [Requirement(r) for extra in project["optional-dependencies"].values() for r in extra]
    by_name = {}
    for req in reqs:
        name = canonicalize_name(req.name)
        if name == "provenance":  # the dev extra's reference to the other extras
            continue
        assert name not in by_name or by_name[name].specifier == req.specifier, f"{name} has two different ranges"
        by_name[name] = req
    return by_name


def docs_requirements() -> set[str]:
    """The docs extra builds the site, not the library: `make test-compat` does not install it."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    return {canonicalize_name(Requirement(r).name) for r in project["optional-dependencies"].get("docs", [])}


def pins(filename: str) -> dict[str, Version]:
    out = {}
    for line in (REPO / filename).read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            m = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([^\s;]+)", line)
            assert m, f"{filename}: {line!r} is not NAME==VERSION"
            out[canonicalize_name(m[1])] = Version(m[2])
    return out


def floor(req: Requirement) -> Version | None:
    lows = [Version(s.version) for s in req.specifier if s.operator == ">="]
    return max(lows) if lows else None


def test_runtime_dependencies_are_ranges_not_pins():
    for name, req in requirements().items():
        assert not any(s.operator in ("==", "===") for s in req.specifier), f"{name} is pinned: {req}"
        assert floor(req) is not None, f"{name} has no floor: {req}"


def test_lowest_constraints_pin_exactly_the_tested_floors():
    reqs, lowest = requirements(), pins("constraints-lowest.txt")
    runtime = set(reqs) - UNPINNED_FLOORS - docs_requirements()
    assert set(lowest) == runtime, (sorted(runtime - set(lowest)), sorted(set(lowest) - runtime))
    for name in runtime:
        assert floor(reqs[name]) == lowest[name], (
            f"{name}: pyproject.toml's floor {floor(reqs[name])} != constraints-lowest.txt's {lowest[name]}")


def test_known_good_set_lies_inside_every_range():
    reqs, good = requirements(), pins("constraints.txt")
    for name, req in reqs.items():
        assert name in good, f"{name} is not in constraints.txt: `make setup` would resolve it afresh"
        assert req.specifier.contains(good[name], prereleases=True), f"constraints.txt {name}=={good[name]} ∉ {req}"


def test_makefile_installs_the_constrained_torch_first():
    # torch goes in first and pinned, so that pip takes the CPU build and no dependency pulls in a CUDA one.
    makefile = (REPO / "Makefile").read_text()
    torch_pins = set(re.findall(r"pip install -q torch==([0-9.]+)", makefile))
    assert torch_pins == {str(pins("constraints.txt")["torch"])}, torch_pins
