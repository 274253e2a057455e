"""The city's service file: what the embedded endpoint will publish, and the errors a city sees
when the file is wrong (each naming the file, the service and the field)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ivr.open311.catalogue import (
    ServiceCatalogueError,
    load_service_catalogue,
    parse_service_catalogue,
)
from ivr.settings import Settings

POTHOLE: dict[str, Any] = {
    "service_code": "21",
    "service_name": "Pothole",
    "description": "A hole in the street",
    "type": "realtime",
    "keywords": "road, hole",
    "group": "Streets",
    "attributes": [
        {
            "code": "size",
            "datatype": "number",
            "description": "How wide is it, in feet?",
            "order": 2,
        },
        {
            "code": "kind",
            "datatype": "singlevaluelist",
            "required": True,
            "description": "What is wrong?",
            "order": 1,
            "values": [{"key": "deep", "name": "Deep"}, {"key": "wide", "name": "Wide"}],
        },
    ],
}
LIGHT: dict[str, Any] = {"service_code": 7, "service_name": "Streetlight out"}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_sample_city_loads_with_its_demonstration_definitions() -> None:
    catalogue = load_service_catalogue(Settings().services_path)
    assert len(catalogue.services) == 38
    with_attributes = [s.service_code for s in catalogue.services if s.metadata]
    assert with_attributes == ["13", "15", "21"]
    pavement = catalogue.definition("21")
    assert pavement is not None
    datatypes = {a.datatype for a in pavement.attributes}
    assert {"singlevaluelist", "number", "string"} <= datatypes
    assert any(a.required for a in pavement.attributes)


def test_a_json_array_with_attributes(tmp_path: Path) -> None:
    path = write(tmp_path, "services.json", json.dumps([POTHOLE, LIGHT]))
    catalogue = load_service_catalogue(path)

    pothole, light = catalogue.services
    assert (pothole.service_code, pothole.metadata, pothole.keywords) == (
        "21",
        True,
        ("road", "hole"),
    )
    assert (light.service_code, light.metadata, light.type) == ("7", False, "realtime")
    definition = catalogue.definition("21")
    assert definition is not None
    assert [a.code for a in definition.attributes] == ["kind", "size"]  # by order
    assert [v.key for v in definition.attributes[0].values] == ["deep", "wide"]
    assert definition.attributes[0].required and definition.attributes[0].variable
    empty = catalogue.definition("7")
    assert empty is not None and empty.attributes == ()
    assert catalogue.definition("8") is None


def test_yaml_as_an_array_or_under_a_services_key(tmp_path: Path) -> None:
    plain = write(
        tmp_path,
        "a.yaml",
        """
- service_code: "007"
  service_name: Graffiti
  type: batch
  keywords: [paint, tag]
  attributes:
    - code: surface
      datatype: multivaluelist
      description: What is it on?
      values:
        - {key: wall, name: A wall}
        - {key: pole, name: A pole}
""",
    )
    wrapped = write(
        tmp_path,
        "b.yml",
        "# our city's services\nservices:\n  - service_code: '1'\n    service_name: Litter\n",
    )
    first = load_service_catalogue(plain)
    assert first.services[0].service_code == "007"
    assert first.services[0].type == "batch"
    assert first.services[0].keywords == ("paint", "tag")
    definition = first.definition("007")
    assert definition is not None and definition.attributes[0].datatype == "multivaluelist"
    assert load_service_catalogue(wrapped).services[0].service_name == "Litter"


def test_the_changeset_is_stable_and_follows_every_change() -> None:
    base = parse_service_catalogue([POTHOLE, LIGHT])
    again = parse_service_catalogue(json.loads(json.dumps([POTHOLE, LIGHT])))
    renamed = parse_service_catalogue([POTHOLE, {**LIGHT, "service_name": "Streetlight dark"}])
    question = {**POTHOLE["attributes"][0], "description": "How wide, in metres?"}
    reworded = parse_service_catalogue([{**POTHOLE, "attributes": [question]}, LIGHT])
    assert base.changeset == again.changeset
    assert len({base.changeset, renamed.changeset, reworded.changeset}) == 3


def bad(document: Any) -> str:
    with pytest.raises(ServiceCatalogueError) as caught:
        parse_service_catalogue(document, source="city.json")
    return str(caught.value)


def with_attribute(**changes: Any) -> list[dict[str, Any]]:
    attribute = {**POTHOLE["attributes"][1], **changes}
    return [{**POTHOLE, "attributes": [attribute]}]


@pytest.mark.parametrize(
    ("document", "words"),
    [
        ("services", ["expected an array"]),
        ({"service_code": "1"}, ["unknown top-level field 'service_code'"]),
        ([], ["empty"]),
        (["x"], ["services[0]", "expected an object"]),
        ([{"service_name": "No code"}], ["services[0]", "service_code is required"]),
        ([{"service_code": "1"}], ["service '1'", "service_name is required"]),
        ([LIGHT, {**LIGHT}], ["services[1]", "'7' is repeated"]),
        ([{**LIGHT, "type": "sometimes"}], ["service '7'", "type must be one of"]),
        ([{**LIGHT, "requried": True}], ["service '7'", "unknown field 'requried'"]),
        ([{**LIGHT, "metadata": "yes"}], ["service '7'", "metadata must be true or false"]),
        ([{**LIGHT, "metadata": True}], ["service '7'", "metadata is true but"]),
        ([{**LIGHT, "keywords": 3}], ["service '7'", "keywords"]),
        ([{**LIGHT, "service_name": 5}], ["service '7'", "service_name must be a string"]),
        ([{**LIGHT, "description": "bell\x07"}], ["service '7'", "control characters"]),
        (with_attribute(datatype="colour"), ["attribute 'kind'", "datatype must be one of"]),
        (with_attribute(values=[]), ["attribute 'kind'", "at least one value"]),
        (with_attribute(required="true"), ["attribute 'kind'", "required must be true or false"]),
        (with_attribute(order="1"), ["attribute 'kind'", "order must be a whole number"]),
        (with_attribute(description=""), ["attribute 'kind'", "description must not be empty"]),
        (with_attribute(valeus=[]), ["attribute 'kind'", "unknown field 'valeus'"]),
        (
            with_attribute(values=[{"key": "a", "name": "A"}, {"key": "a", "name": "B"}]),
            ["attribute 'kind'", "value key 'a' is repeated"],
        ),
        (with_attribute(values=[{"key": "a"}]), ["values[0]", "name is required"]),
        (
            with_attribute(datatype="number"),
            ["attribute 'kind'", "values are only allowed for singlevaluelist"],
        ),
        (
            [{**POTHOLE, "attributes": [POTHOLE["attributes"][1]] * 2}],
            ["service '21'", "attribute code 'kind' is repeated"],
        ),
        (
            [{**POTHOLE, "attributes": {"kind": {}}}],
            ["service '21'", "attributes must be an array"],
        ),
    ],
)
def test_bad_documents_name_the_service_and_field(document: Any, words: list[str]) -> None:
    message = bad(document)
    assert message.startswith("city.json")
    for word in words:
        assert word in message


def test_bad_files_name_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.json"
    broken_json = write(tmp_path, "broken.json", '[{"service_code": "1",}]')
    broken_yaml = write(tmp_path, "broken.yaml", "- service_code: [1\n")
    latin1 = tmp_path / "latin1.json"
    latin1.write_bytes('[{"service_code": "1", "service_name": "Caf\xe9"}]'.encode("latin-1"))
    for path, words in [
        (missing, "no such services file"),
        (broken_json, "not valid JSON (line 1"),
        (broken_yaml, "not valid YAML"),
        (latin1, "not UTF-8"),
    ]:
        with pytest.raises(ServiceCatalogueError) as caught:
            load_service_catalogue(path)
        assert str(caught.value).startswith(str(path))
        assert words in str(caught.value)
