"""The Docker image installs pinned dependencies: requirements.lock pins every package voice311
needs at run time, exactly, at the versions the tests run with, and the image installs it."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[2]
PIN = re.compile(r"([a-z0-9][a-z0-9-]*)==([A-Za-z0-9.+!-]+)")


def _lock_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "lock_requirements", REPO / "scripts" / "lock_requirements.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _pins() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (REPO / "requirements.lock").read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        match = PIN.fullmatch(line)
        assert match, f"not an exact pin: {line!r}"
        pins[match[1]] = match[2]
    return pins


def test_every_runtime_dependency_is_pinned_to_a_version_it_allows() -> None:
    pins = _pins()
    for requirement in _lock_script().project_requirements():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} (pyproject.toml) is not in requirements.lock"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"requirements.lock pins {name}=={pins[name]}, outside {requirement}"
        )


def test_the_lock_is_the_whole_tree_the_tests_run_with() -> None:
    script = _lock_script()
    installed = script.runtime_closure(script.project_requirements())
    assert _pins() == installed, "run scripts/lock_requirements.py"


def test_the_image_installs_the_lock_and_nothing_else() -> None:
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    installs = re.findall(r"pip install ([^\n\\&]+)", dockerfile)
    assert [i.strip() for i in installs] == ["-r requirements.lock", "--no-deps ."]
    assert "VOLUME /var/lib/voice311" in dockerfile
    assert "STOPSIGNAL SIGTERM" in dockerfile
