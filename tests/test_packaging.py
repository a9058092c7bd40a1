"""The distribution installs one import namespace, `scholarkg`, and nothing else at the top level."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (built,) = out.glob("scholarkg-*.whl")
    return built


def test_only_top_level_package_is_scholarkg(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as whl:
        names = whl.namelist()
        top = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
        assert top == {"scholarkg"}
        top_level = [n for n in names if n.endswith(".dist-info/top_level.txt")]
        if top_level:
            assert whl.read(top_level[0]).decode().split() == ["scholarkg"]
        entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        assert "scholarkg = scholarkg.cli:main" in whl.read(entry_points).decode()


def test_wheel_carries_data_files(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as whl:
        names = set(whl.namelist())
    for needed in (
        "scholarkg/cli.py",
        "scholarkg/loader/store.py",
        "scholarkg/api/app.py",
        "scholarkg/queries/coauthors.rq",
        "scholarkg/ontology/shapes.ttl",
        "scholarkg/ontology/context.jsonld",
        "scholarkg/api/static/vendor/yasgui/yasgui.min.js",
        "scholarkg/api/templates/home.html",
    ):
        assert needed in names, needed
    assert sum(1 for n in names if n.startswith("scholarkg/seeds/") and n.endswith(".txt")) == 5


def test_no_repository_folder_is_importable_at_top_level() -> None:
    hidden = ("", ".", str(ROOT))
    code = f"import importlib.util as u, sys; sys.path[:] = [p for p in sys.path if p not in {hidden!r}]; "
    code += "print([m for m in ('api', 'loader', 'queries', 'ontology', 'seeds') if u.find_spec(m)])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd="/", timeout=60)
    assert out.stdout.strip() == "[]"
