"""Read flow documents: YAML in, schema-validated :class:`flows.model.Flow` out.

A document's ``include`` list is expanded first (see :mod:`flows.include`), so the schema
judges the flow as a caller meets it. Errors name the file, the state and the field
(``bike_rack.yaml, state 'ask_location', field 'attempts': 0 is less than the minimum of 1``),
all at once rather than the first only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from flows.include import expand_includes
from flows.model import Flow, FlowError, Option, Problem, PromptRef, State, StateType
from flows.schema import schema_problems
from flows.yaml12 import load_yaml

FLOWS_DIR = Path(__file__).resolve().parent


def shipped_flow_paths() -> list[Path]:
    """The hand-written flows shipped beside the schema (the generated intake is not a file;
    fragments live in ``fragments/`` and are no flows of their own)."""
    return sorted(FLOWS_DIR.glob("*.yaml"))


def read_document(path: Path) -> Any:
    """The document in ``path`` as written, its ``include`` list not yet expanded."""
    try:
        return load_yaml(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise FlowError([Problem(path.name, "", "", "cannot read flow: not UTF-8 text")]) from None
    except (OSError, yaml.YAMLError) as error:
        raise FlowError([Problem(path.name, "", "", f"cannot read flow: {error}")]) from None


def load_flow(path: Path) -> Flow:
    """Read, expand, validate against the schema and build the flow in ``path``."""
    return flow_from_document(read_document(path), source=path.name)


def flow_from_document(doc: Any, source: str) -> Flow:
    """Build a flow from a parsed document; raises :class:`FlowError` if a fragment it includes
    cannot be used or the expanded document breaks the schema."""
    doc, problems = expand_includes(doc, source)
    if problems:
        raise FlowError(problems)
    problems = schema_problems(doc, source)
    if problems:
        raise FlowError(problems)
    states = {name: _state(name, raw) for name, raw in doc["states"].items()}
    return Flow(
        name=doc["name"],
        start=doc["start"],
        states=states,
        languages=tuple(doc.get("languages", ["en"])),
        operator=doc.get("operator"),
        source=source,
    )


def _prompts(raw: Any) -> tuple[PromptRef, ...]:
    if raw is None:
        return ()
    items = raw if isinstance(raw, list) else [raw]
    return tuple(_prompt(item) for item in items)


def _prompt(raw: Any) -> PromptRef:
    if isinstance(raw, str):
        return PromptRef(key=raw)
    values = tuple(sorted((str(k), str(v)) for k, v in (raw.get("values") or {}).items()))
    return PromptRef(key=raw["key"], values=values, language=raw.get("language"))


def _option(raw: dict[str, Any]) -> Option:
    return Option(
        target=raw["target"],
        key=raw.get("key"),
        value=raw.get("value"),
        name=raw.get("name", ""),
        words=tuple(raw.get("words", ())),
        phrases=tuple(raw.get("phrases", ())),
        prompt=_prompt(raw["prompt"]) if "prompt" in raw else None,
        language=raw.get("language"),
        service_code=raw.get("service_code"),
        name_slot=raw.get("name_slot"),
    )


_SCALARS = (
    "attempts",
    "after_last_attempt",
    "max_visits",
    "after_max_visits",
    "behaviour",
    "store_as",
    "attribute",
    "value",
    "timeout",
    "num_digits",
    "min_digits",
    "max_digits",
    "finish_on_key",
    "skip_key",
    "yes_key",
    "no_key",
    "min_confidence",
    "max_length",
    "transcribe",
    "grammar",
    "play_beep",
    "target",
    "service_code",
)


def _state(name: str, raw: dict[str, Any]) -> State:
    scalars = {field: raw[field] for field in _SCALARS if field in raw}
    inputs = {
        key: (value,) if isinstance(value, str) else tuple(value)
        for key, value in (raw.get("inputs") or {}).items()
    }
    return State(
        name=name,
        type=StateType(raw["type"]),
        prompt=_prompts(raw.get("prompt")),
        reprompt=_prompts(raw.get("reprompt")),
        options=tuple(_option(o) for o in raw.get("options", ())),
        transitions=dict(raw.get("transitions") or {}),
        inputs=inputs,
        hints=tuple(raw.get("hints", ())),
        **scalars,
    )
