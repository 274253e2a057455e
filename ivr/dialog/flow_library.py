"""The flows a gateway offers: the standard intake generated from the configured services file,
and every hand-written flow shipped in ``flows/``, with the prompt catalogues.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from flows.catalogue import Catalogue, load_catalogues
from flows.generate import intake_flow
from flows.loader import load_flow, shipped_flow_paths
from flows.model import Flow
from ivr.open311.catalogue import ServiceCatalogue
from ivr.open311.catalogue import load_service_catalogue as load_services
from ivr.open311.models import Service, ServiceDefinition
from ivr.settings import Settings

log = logging.getLogger(__name__)

INTAKE = "intake"


@dataclass(frozen=True)
class FlowLibrary:
    flows: Mapping[str, Flow]
    catalogues: Mapping[str, Catalogue]

    def flow(self, name: str) -> Flow:
        try:
            return self.flows[name]
        except KeyError:
            known = ", ".join(sorted(self.flows))
            raise KeyError(f"no flow named {name!r} (known: {known})") from None


def intake_from_services(services: ServiceCatalogue, *, recognizer: str = "twilio") -> Flow:
    definitions = {d.service_code: d for d in services.definitions}
    return intake_flow(services.services, definitions, recognizer=recognizer)


def load_flow_library(
    settings: Settings,
    extra: tuple[Path, ...] = (),
    *,
    catalogues: Mapping[str, Catalogue] | None = None,
) -> FlowLibrary:
    """Every flow, validated against the schema (not yet checked: see ``ivr flows check``),
    with the intake generated from the configured services file."""
    services = load_services(settings.services_path)
    intake = intake_from_services(services, recognizer=settings.recognizer)
    flows: dict[str, Flow] = {INTAKE: intake}
    for path in (*shipped_flow_paths(), *extra):
        flow = load_flow(path)
        flows[flow.name] = flow
    return FlowLibrary(flows=flows, catalogues=catalogues or load_catalogues())


class ServiceReader(Protocol):
    """What the intake needs of the city's Open311 client: its service list and definitions."""

    def services(self) -> tuple[Service, ...]: ...

    def definition(self, service_code: str) -> ServiceDefinition: ...


def city_flow_library(
    settings: Settings, catalogues: Mapping[str, Catalogue], city: ServiceReader
) -> FlowLibrary:
    """Every flow; with a city endpoint, the intake is generated from the city's own service
    list, fetched once at start-up (a webhook never waits on the network). When the city
    cannot be reached, the configured services file stands in, and the log says so."""
    library = load_flow_library(settings, catalogues=catalogues)
    if not settings.open311_endpoint:
        return library
    try:
        services = city.services()
        definitions = tuple(city.definition(s.service_code) for s in services if s.metadata)
    except Exception:
        log.exception("the city's service list could not be fetched; using the services file")
        return library
    intake = intake_from_services(
        ServiceCatalogue(services=services, definitions=definitions),
        recognizer=settings.recognizer,
    )
    return FlowLibrary(flows={**library.flows, INTAKE: intake}, catalogues=library.catalogues)
