"""Installing an assistant's action requirements, offline (pip --no-index)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from baton import action_requirements
from baton.action_requirements import ActionRequirementsError, install


@pytest.fixture
def venv(tmp_path: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(tmp_path / "venv")], check=True)
    return tmp_path / "venv" / "bin" / "python"


def assistant(tmp_path: Path, requirement: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "bot"
    (folder / "actions").mkdir(parents=True)
    (folder / "actions" / "requirements-actions.txt").write_text(requirement + "\n")
    monkeypatch.setattr(action_requirements, "var_dir", lambda _: tmp_path / "var")
    return folder


def local_package(tmp_path: Path) -> Path:
    """A tiny wheel in a local folder: installable with no index and no build step."""
    folder = tmp_path / "wheels"
    folder.mkdir()
    wheel = folder / "tinypkg-1.0-py3-none-any.whl"
    info = "tinypkg-1.0.dist-info"
    files = {
        "tinypkg/__init__.py": "VALUE = 42\n",
        f"{info}/METADATA": "Metadata-Version: 2.1\nName: tinypkg\nVersion: 1.0\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
        archive.writestr(
            f"{info}/RECORD", "".join(f"{n},,\n" for n in files) + f"{info}/RECORD,,\n"
        )
    return wheel


def test_installs_once_then_skips_an_unchanged_file(
    tmp_path: Path, venv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = assistant(tmp_path, str(local_package(tmp_path)), monkeypatch)
    assert install(folder, venv, ("--no-index",)) is True
    check = subprocess.run([str(venv), "-c", "import tinypkg; print(tinypkg.VALUE)"],
                           capture_output=True, text=True)  # fmt: skip
    assert check.stdout.strip() == "42"
    assert install(folder, venv, ("--no-index",)) is False


def test_a_missing_package_raises_with_pips_output(
    tmp_path: Path, venv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = assistant(tmp_path, "no-such-package-baton-test==1.0", monkeypatch)

    with pytest.raises(ActionRequirementsError) as raised:
        install(folder, venv, ("--no-index",))

    assert "no-such-package-baton-test" in raised.value.output
    assert not (tmp_path / "var" / action_requirements.STAMP).exists()


def test_no_requirements_file_is_nothing_to_do(tmp_path: Path) -> None:
    assert install(tmp_path, Path(sys.executable)) is False
