"""The flows a gateway offers: the standard intake generated from the configured services file,
and every hand-written flow shipped in ``flows/``, with the prompt catalogues.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from flows.catalogue import Catalogue, load_catalogues
from flows.generate import intake_flow
from flows.loader import load_flow, shipped_flow_paths
from flows.model import Flow
from ivr.open311.catalogue import Catalogue as ServiceCatalogue
from ivr.open311.catalogue import load_catalogue as load_services
from ivr.settings import Settings

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


def load_flow_library(settings: Settings, extra: tuple[Path, ...] = ()) -> FlowLibrary:
    """Every flow, validated against the schema (not yet checked: see ``ivr flows check``)."""
    services = load_services(settings.services_path)
    intake = intake_from_services(services, recognizer=settings.recognizer)
    flows: dict[str, Flow] = {INTAKE: intake}
    for path in (*shipped_flow_paths(), *extra):
        flow = load_flow(path)
        flows[flow.name] = flow
    return FlowLibrary(flows=flows, catalogues=load_catalogues())
