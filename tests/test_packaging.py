"""The wheel carries every folder and data file: each package folder on disk is listed in
pyproject's packages, and the package-data globs cover every .ttl, .rq and corpus file."""
from __future__ import annotations

import fnmatch
import pathlib
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOT_PACKAGED = {"tests", "tools", "docs", "benchmarks", "build", "dist"}


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def package_folders_on_disk() -> set[str]:
    found = {"clearview_kg"}
    for init in ROOT.rglob("__init__.py"):
        rel = init.parent.relative_to(ROOT)
        if not rel.parts or rel.parts[0] in NOT_PACKAGED or any(p.startswith(".") for p in rel.parts):
            continue
        found.add(".".join(("clearview_kg",) + rel.parts))
    return found


def test_every_package_folder_is_listed():
    setuptools = pyproject()["tool"]["setuptools"]
    assert setuptools["package-dir"] == {"clearview_kg": "."}
    assert package_folders_on_disk() == set(setuptools["packages"])


def test_package_data_covers_every_data_file():
    package_data = pyproject()["tool"]["setuptools"]["package-data"]
    for pattern in ("*.ttl", "*.rq", "*.txt"):
        for path in ROOT.rglob(pattern):
            rel = path.relative_to(ROOT)
            if rel.parts[0] in NOT_PACKAGED or rel.parts[0].startswith(".") or rel.parts[0].endswith(".egg-info"):
                continue
            package = ".".join(("clearview_kg",) + rel.parts[:-1])
            globs = package_data.get(package, [])
            assert any(fnmatch.fnmatch(path.name, g) for g in globs), f"{rel} is not shipped"


def test_console_script_points_into_the_package():
    assert pyproject()["project"]["scripts"] == {"cvkg": "clearview_kg.cli.main:cli"}


def test_required_libraries_are_declared():
    deps = " ".join(pyproject()["project"]["dependencies"])
    for name in ("rdflib", "pyshacl", "networkx", "click"):
        assert name in deps
