"""The city profile: which Open311 endpoint the gateway files with, and the few ways real
servers differ in what they accept (docs/open311-client.md, "The city profile").

A city's own endpoint (``IVR_OPEN311_ENDPOINT``) is spoken to with its settings: format,
API key and where the key goes, ``jurisdiction_id``, and the multi-value form. With none set,
the gateway files with its embedded endpoint, in-process, with the embedded endpoint's key and
jurisdiction and the spec's forms, which is what that endpoint reads.
"""

from __future__ import annotations

from dataclasses import dataclass

from ivr.open311.exchange import FORMATS
from ivr.open311.form import MULTIVALUE_FORMS
from ivr.settings import Settings

API_KEY_PLACEMENTS = ("form", "bearer")
# The embedded endpoint as its in-process client addresses it: the host is never resolved (the
# transport hands each request to the app), the path is where the app mounts the endpoint.
IN_PROCESS_ENDPOINT = "http://voice311.in-process/open311/v2"


@dataclass(frozen=True)
class CityProfile:
    """Where the endpoint is and how it wants to be spoken to."""

    base_url: str
    format: str = "json"
    api_key: str = ""
    jurisdiction_id: str = ""
    multivalue: str = "brackets"
    api_key_placement: str = "form"


def city_profile(settings: Settings) -> CityProfile:
    """The city's endpoint from ``IVR_OPEN311_*``, or the embedded one when none is set."""
    if not settings.open311_endpoint:  # reached in-process: see ``Runtime.city``
        return CityProfile(
            IN_PROCESS_ENDPOINT,
            format=settings.open311_format,
            api_key=settings.embedded_api_key,
            jurisdiction_id=settings.embedded_jurisdiction_id,
        )
    return CityProfile(
        settings.open311_endpoint,
        format=settings.open311_format,
        api_key=settings.open311_api_key,
        jurisdiction_id=settings.open311_jurisdiction_id,
        multivalue=settings.open311_multivalue,
        api_key_placement=settings.open311_api_key_placement,
    )


def check_choices(format: str, multivalue: str, api_key_placement: str) -> None:
    """Refuse (ValueError) a format, multi-value form or key placement the client cannot use."""
    if format not in FORMATS:
        raise ValueError(f"format must be json or xml, not {format!r}")
    if multivalue not in MULTIVALUE_FORMS:
        raise ValueError(f"multivalue must be brackets or repeat, not {multivalue!r}")
    if api_key_placement not in API_KEY_PLACEMENTS:
        raise ValueError(f"api_key_placement must be form or bearer, not {api_key_placement!r}")
