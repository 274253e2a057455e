"""Settings come from IVR_* variables, reject bad values by name, and the README documents
every one of them."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from ivr.settings import Settings, SettingsError, documented_settings

REPO = Path(__file__).resolve().parents[2]


def test_defaults_are_the_embedded_gateway() -> None:
    settings = Settings.from_env({})
    assert settings.database_url == "sqlite:///voice311.db"
    assert settings.open311_endpoint == ""
    assert settings.services_path.name == "services.json"
    assert settings.services_path.exists()
    assert settings.gazetteer_path.exists()


def test_values_are_converted_to_their_types() -> None:
    settings = Settings.from_env(
        {"IVR_PORT": "9000", "IVR_OPEN311_TIMEOUT": "2.5", "IVR_OPEN311_FORMAT": "xml"}
    )
    assert settings.port == 9000
    assert settings.open311_timeout == 2.5
    assert settings.open311_format == "xml"


@pytest.mark.parametrize(
    ("variable", "value"),
    [("IVR_PORT", "eighty"), ("IVR_OPEN311_FORMAT", "yaml"), ("IVR_OPEN311_TIMEOUT", "-1")],
)
def test_a_bad_value_names_its_variable(variable: str, value: str) -> None:
    with pytest.raises(SettingsError, match=variable):
        Settings.from_env({variable: value})


def test_unrelated_variables_are_ignored() -> None:
    environ = {"PATH": "/bin", "IVR_TEST_POSTGRES_URL": "x", "IVR_STAFF_PASSWORD": "x"}
    assert Settings.from_env(environ) == Settings()


def test_readme_documents_every_setting() -> None:
    script = REPO / "scripts" / "settings_table.py"
    spec = importlib.util.spec_from_file_location("settings_table", script)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert module.rewritten(readme) == readme, "run scripts/settings_table.py"
    for name, _default, _doc in documented_settings():
        assert f"`{name}`" in readme
