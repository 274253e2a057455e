"""YAML as flow authors expect it: ``yes``, ``no``, ``on`` and ``off`` stay words.

PyYAML follows YAML 1.1, where ``yes:`` is the boolean true; a flow's ``transitions: {yes: …}``
and a catalogue's ``words: {no: […]}`` would silently become booleans. This loader resolves
only ``true`` and ``false`` as booleans, as YAML 1.2 does.
"""

from __future__ import annotations

import re
from typing import Any

import yaml


class FlowYamlLoader(yaml.SafeLoader):
    """A safe loader whose booleans are only true/false (any case)."""


FlowYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
FlowYamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def load_yaml(text: str) -> Any:
    """Parse one YAML document safely with YAML 1.2 booleans."""
    return yaml.load(text, Loader=FlowYamlLoader)  # a SafeLoader subclass


def dump_yaml(doc: Any) -> str:
    """Write a document so that :func:`load_yaml` and any YAML 1.1 reader read it back alike."""
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)
