"""Parsing city answers: the same records from JSON and XML, ids kept opaque, quirks tolerated,
bad values refused with the field's name."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from ivr.open311 import wire
from ivr.open311.documents import decode
from ivr.open311.errors import ErrorDescription
from ivr.open311.form import request_form, truncate_description
from ivr.open311.models import DESCRIPTION_LIMIT, NewRequest

SERVICES_JSON = b"""[
 {"service_code": "001", "service_name": "Cans left out", "description": "Cans out 24x7",
  "metadata": "True", "type": "realtime", "keywords": "lorem, ipsum, dolor", "group": "Sanitation"},
 {"service_code": 0, "service_name": "Pothole", "metadata": false, "type": "BATCH",
  "keywords": ["road", " hole "], "group": "Streets"}
]"""

SERVICES_XML = b"""<?xml version="1.0" encoding="utf-8"?>
<services>
  <service>
    <service_code>001</service_code><service_name>Cans left out</service_name>
    <description>Cans out 24x7</description><metadata>true</metadata><type>realtime</type>
    <keywords>lorem, ipsum, dolor</keywords><group>Sanitation</group>
  </service>
  <service>
    <service_code>0</service_code><service_name>Pothole</service_name>
    <metadata>0</metadata><type>batch</type><keywords>road, hole</keywords><group>Streets</group>
  </service>
</services>"""

DEFINITION_XML = b"""<service_definition>
  <service_code>DMV66</service_code>
  <attributes>
    <attribute>
      <variable>true</variable><code>WHICH</code><datatype>multivaluelist</datatype>
      <required>True</required><datatype_description></datatype_description><order>2</order>
      <description>Which signs?</description>
      <values><value><key>0</key><name>Stop</name></value><value><key>7</key><name>Yield</name>
      </value></values>
    </attribute>
    <attribute>
      <variable>false</variable><code>NOTE</code><datatype>text</datatype>
      <required>false</required><order>1</order><description>Read this</description>
    </attribute>
  </attributes>
</service_definition>"""

DEFINITION_JSON = b"""{"service_code": "DMV66", "attributes": [
 {"variable": true, "code": "WHICH", "datatype": "multivaluelist", "required": "true",
  "datatype_description": "", "order": 2, "description": "Which signs?",
  "values": [{"key": 0, "name": "Stop"}, {"key": "7", "name": "Yield"}]},
 {"variable": "false", "code": "NOTE", "datatype": "text", "required": false, "order": "1",
  "description": "Read this"}]}"""


def tree(body: bytes) -> object:
    document = decode(body)
    assert document.kind in ("json", "xml"), document.problem
    return document.tree


def test_services_read_the_same_from_json_and_xml() -> None:
    from_json = wire.parse_services(tree(SERVICES_JSON))
    from_xml = wire.parse_services(tree(SERVICES_XML))
    assert from_json == from_xml
    cans, pothole = from_json
    assert (cans.service_code, cans.metadata, cans.type, cans.group) == (
        "001",
        True,
        "realtime",
        "Sanitation",
    )
    assert cans.keywords == ("lorem", "ipsum", "dolor")
    assert (pothole.service_code, pothole.metadata, pothole.type) == ("0", False, "batch")


def test_definition_reads_the_same_from_json_and_xml_in_order() -> None:
    from_json = wire.parse_definition(tree(DEFINITION_JSON))
    assert from_json == wire.parse_definition(tree(DEFINITION_XML))
    note, which = from_json.attributes
    assert (note.code, note.variable, note.required) == ("NOTE", False, False)
    assert (which.datatype, which.required, which.order) == ("multivaluelist", True, 2)
    assert [(v.key, v.name) for v in which.values] == [("0", "Stop"), ("7", "Yield")]


def test_definition_without_a_code_takes_the_requested_one() -> None:
    assert wire.parse_definition({"attributes": []}, "42").service_code == "42"


def test_the_definition_of_another_service_is_refused() -> None:
    """A city that answers ``services/42`` with service 7's questions would have the caller
    answer the wrong ones: a bad answer, not a definition."""
    with pytest.raises(wire.WireError, match="not the service asked for"):
        wire.parse_definition({"service_code": "7", "attributes": []}, "42")
    assert wire.parse_definition({"service_code": 42, "attributes": []}, "42").attributes == ()


@pytest.mark.parametrize(
    "raw",
    [
        b'[{"service_request_id": "12", "status": "open"}]',
        b"<?xml version='1.0'?><service_requests><request><service_request_id>12"
        b"</service_request_id></request></service_requests>",
    ],
)
def test_another_document_is_no_definition(raw: bytes) -> None:
    with pytest.raises(wire.WireError, match="service_definition"):
        wire.parse_definition(tree(raw), "42")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'[{"service_request_id": 12}]', "12"),
        (b'[{"service_request_id": 12.0}]', "12"),
        (b'[{"service_request_id": "0"}]', "0"),
        (b'[{"service_request_id": 0}]', "0"),
        (b'[{"service_request_id": "007"}]', "007"),
        (b'[{"service_request_id": 123456789012345678901234}]', "123456789012345678901234"),
        (b'{"service_request_id": 5}', "5"),
        (b'{"service_requests": [{"service_request_id": 6}]}', "6"),
        (
            b"<service_requests><request><service_request_id>0</service_request_id></request>"
            b"</service_requests>",
            "0",
        ),
    ],
)
def test_ids_stay_opaque_strings(raw: bytes, expected: str) -> None:
    assert wire.parse_submit(tree(raw)).service_request_id == expected


def test_submit_keeps_token_beside_id_and_notice() -> None:
    result = wire.parse_submit(
        tree(b'[{"service_request_id": "9", "token": 77, "service_notice": "Thanks"}]')
    )
    assert (result.service_request_id, result.token, result.service_notice) == ("9", "77", "Thanks")


@pytest.mark.parametrize("raw", [b"9\\u0000x", b"9\\u001b[31m", b"9\\n10", b"9\\u007f"])
def test_an_id_with_a_control_character_is_refused_naming_the_field(raw: bytes) -> None:
    """A NUL cannot be stored on PostgreSQL (the outbox worker failed after the city had filed
    the report, and sent it again when its lease ran out); an escape sequence would reach a
    terminal. The answer is unusable: the POST's outcome is unknown, as for broken JSON."""
    body = b'[{"service_request_id": "' + raw + b'", "token": "' + raw + b'"}]'
    with pytest.raises(wire.WireError, match=r"service_requests\[0\]\.service_request_id"):
        wire.parse_submit(tree(body))


def test_a_nul_in_a_text_field_is_dropped() -> None:
    result = wire.parse_submit(
        tree(b'[{"service_request_id": "9", "service_notice": "o\\u0000k"}]')
    )
    assert result.service_notice == "ok"


def test_submit_with_only_a_notice_has_neither_id_nor_token() -> None:
    xml = (
        b"<service_requests><request><service_notice>We got it</service_notice>"
        b"<account_id/></request></service_requests>"
    )
    result = wire.parse_submit(tree(xml))
    assert (result.service_request_id, result.token, result.service_notice) == (
        None,
        None,
        "We got it",
    )


def test_requests_parse_dates_leniently_and_coordinates_exactly() -> None:
    body = b"""<service_requests><request>
      <service_request_id>638344</service_request_id><status>Closed</status>
      <service_code>006</service_code><requested_datetime>2010-04-14T06:37:38-08:00
      </requested_datetime><updated_datetime>yesterday-ish</updated_datetime>
      <expected_datetime>2010-04-15T06:37:38Z</expected_datetime>
      <lat>37.762221815</lat><long>-122.4651145</long><address_id/><zipcode>94122</zipcode>
    </request></service_requests>"""
    (request,) = wire.parse_requests(tree(body))
    assert request.service_request_id == "638344"
    assert request.status == "closed"
    assert request.requested_datetime == datetime(
        2010, 4, 14, 6, 37, 38, tzinfo=timezone(timedelta(hours=-8))
    )
    assert request.updated_datetime is None
    assert request.expected_datetime == datetime(2010, 4, 15, 6, 37, 38, tzinfo=UTC)
    assert (request.lat, request.long) == (37.762221815, -122.4651145)
    assert request.zipcode == "94122"


def test_empty_request_list_in_both_formats() -> None:
    assert wire.parse_requests(tree(b"[]")) == ()
    assert wire.parse_requests(tree(b"<service_requests></service_requests>")) == ()


def test_discovery_reads_endpoints_and_formats() -> None:
    xml = b"""<discovery><changeset>2011-02-03 14:18</changeset><contact>You</contact>
      <key_service>keys</key_service><endpoints><endpoint>
      <specification>http://wiki.open311.org/GeoReport_v2</specification>
      <url>https://city.example/open311/v2</url><changeset>2010-11-23 09:01</changeset>
      <type>production</type><formats><format>text/xml</format>
      <format>application/json</format></formats></endpoint></endpoints></discovery>"""
    found = wire.parse_discovery(tree(xml))
    assert found.changeset == "2011-02-03 14:18"
    (endpoint,) = found.endpoints
    assert endpoint.formats == ("text/xml", "application/json")
    assert endpoint.changeset == "2010-11-23 09:01"


@pytest.mark.parametrize(
    "body",
    [
        b'[{"code": 403, "description": "Invalid api_key"}]',
        b'{"errors": [{"code": "403", "description": "Invalid api_key"}]}',
        b"<errors><error><code>403</code><description>Invalid api_key</description></error>"
        b"</errors>",
    ],
)
def test_error_bodies_in_every_shape(body: bytes) -> None:
    assert wire.parse_errors(tree(body)) == (ErrorDescription("403", "Invalid api_key"),)


def test_a_request_is_not_mistaken_for_an_error() -> None:
    body = b'[{"service_request_id": "1", "code": "x", "description": "y"}]'
    assert wire.parse_errors(tree(body)) == ()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b'[{"service_name": "no code"}]', "services[0].service_code"),
        (b'[{"service_code": "1", "type": "weekly"}]', "services[0].type"),
        (b'[{"service_code": "1", "metadata": "perhaps"}]', "services[0].metadata"),
        (b'[{"service_code": "1"}, "x"]', "services[1]"),
    ],
)
def test_bad_services_are_refused_by_field(body: bytes, field: str) -> None:
    with pytest.raises(wire.WireError, match="^" + re.escape(field)):
        wire.parse_services(tree(body))


def test_a_bad_coordinate_is_refused_without_showing_it() -> None:
    body = b'[{"service_request_id": "1", "lat": "12 Main St"}]'
    with pytest.raises(wire.WireError) as caught:
        wire.parse_requests(tree(body))
    assert "service_requests[0].lat" in str(caught.value)
    assert "Main" not in str(caught.value)


@pytest.mark.parametrize(
    ("body", "content_type", "kind"),
    [
        (b"<!DOCTYPE html><html><body>Bad gateway</body></html>", "text/html", "html"),
        (b"  <html><p>maintenance", "", "html"),
        (b"<service_requests/>", "text/html", "xml"),
        (b'{"a": 1}', "text/plain", "json"),
        (b'[{"service_request_id": 1', "application/json", "unreadable"),
        (b"OK", "text/plain", "unreadable"),
        (b"", "application/json", "unreadable"),
        (b"<p>unclosed", "text/html", "html"),
    ],
)
def test_bodies_are_sniffed_not_trusted(body: bytes, content_type: str, kind: str) -> None:
    assert decode(body, content_type).kind == kind


def test_xml_entity_bombs_are_refused() -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><services>&a;</services>'
    document = decode(bomb)
    assert document.kind == "unreadable"
    assert "entity" in document.problem


def test_namespaced_xml_reads_like_plain_xml() -> None:
    body = (
        b'<service_requests xmlns="urn:x"><request><token>55</token></request></service_requests>'
    )
    assert wire.parse_submit(tree(body)).token == "55"


def test_form_writes_six_decimals_address_and_repeated_multivalues() -> None:
    request = NewRequest(
        service_code="0",
        lat=37.76,
        long=-122.4651146,
        address_string="1 Dr Carlton B Goodlett Pl",
        attributes=(("SIGNS", ("0", "7")), ("SIZE", ("2",)), ("ONE", ("x",))),
        email="a@example.org",
    )
    pairs = request_form(request, multivalue_codes=frozenset({"ONE"}))
    assert ("lat", "37.760000") in pairs and ("long", "-122.465115") in pairs
    assert ("address_string", "1 Dr Carlton B Goodlett Pl") in pairs
    assert [p for p in pairs if p[0].startswith("attribute")] == [
        ("attribute[SIGNS][]", "0"),
        ("attribute[SIGNS][]", "7"),
        ("attribute[SIZE]", "2"),
        ("attribute[ONE][]", "x"),
    ]
    assert not any(name in ("api_key", "jurisdiction_id") for name, _ in pairs)


def test_description_is_cut_between_words() -> None:
    words = "pothole " * 1000
    cut = truncate_description(words)
    assert len(cut) <= DESCRIPTION_LIMIT
    assert words.startswith(cut) and cut.endswith("pothole")
    one_word = "x" * 5000
    assert truncate_description(one_word) == "x" * DESCRIPTION_LIMIT
    assert truncate_description("short") == "short"
