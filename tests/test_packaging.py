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
