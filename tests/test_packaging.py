"""models/ must ship inside the wheel and be found from an installed package.

Builds the real wheel with hatchling (no network: the backend is a dev dependency), installs
it into a throw-away folder, and asks that copy of verify where its models are.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile

from .conftest import ROOT


def test_wheel_carries_models_and_finds_them_installed(tmp_path):
    build = subprocess.run(
        [
            sys.executable,
            "-c",
            f"from hatchling.build import build_wheel; print(build_wheel(r'{tmp_path}'))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    wheel = tmp_path / build.stdout.strip().splitlines()[-1]
    with zipfile.ZipFile(wheel) as zipped:
        names = set(zipped.namelist())
    model_files = {
        path.relative_to(ROOT).as_posix() for path in (ROOT / "models").rglob("*") if path.is_file()
    }
    for name in model_files:
        assert f"verify/{name}" in names, f"{name} is not in the wheel"
    target = tmp_path / "site"
    with zipfile.ZipFile(wheel) as zipped:
        zipped.extractall(target)  # a wheel is a zip laid out as site-packages
    found = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; sys.path.insert(0, sys.argv[1]);"
            "from verify.resources import models_dir, load_json;"
            "print(models_dir()); print(load_json('languages.json')['version'])",
            str(target),
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    where, version = found.stdout.split()
    assert where == str(target / "verify" / "models")
    assert version


def _requirements() -> list[str]:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return [
        *project["build-system"]["requires"],
        *project["project"]["dependencies"],
        *(r for extra in project["project"]["optional-dependencies"].values() for r in extra),
    ]


def test_every_dependency_has_a_tested_range():
    """An upper bound on each (a new major, or minor for typer and ruff, can break verify), and
    the version installed here, the one the suite runs with, inside its range."""
    from importlib.metadata import PackageNotFoundError, version

    from packaging.requirements import Requirement

    unbounded, outside = [], []
    for text in _requirements():
        requirement = Requirement(text)
        if not any(spec.operator in ("<", "<=", "~=", "==") for spec in requirement.specifier):
            unbounded.append(text)
        try:
            installed = version(requirement.name)
        except PackageNotFoundError:
            continue  # an extra not installed here
        if not requirement.specifier.contains(installed, prereleases=True):
            outside.append(f"{requirement.name} {installed} not in {requirement.specifier}")
    assert not unbounded, f"no upper bound: {unbounded}"
    assert not outside, f"installed outside the tested range: {outside}"
