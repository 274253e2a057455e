"""Read flow documents: YAML in, schema-validated :class:`flows.model.Flow` out.

Errors name the file, the state and the field (``bike_rack.yaml, state 'ask_location', field
'attempts': 0 is less than the minimum of 1``), all at once rather than the first only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from flows.model import Flow, FlowError, Option, Problem, PromptRef, State
from flows.yaml12 import load_yaml

FLOWS_DIR = Path(__file__).resolve().parent
SCHEMA_PATH = FLOWS_DIR / "schema.json"


@cache
def _validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def shipped_flow_paths() -> list[Path]:
    """The hand-written flows shipped beside the schema (the generated intake is not a file)."""
    return sorted(FLOWS_DIR.glob("*.yaml"))


def read_document(path: Path) -> Any:
    try:
        return load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise FlowError([Problem(path.name, "", "", f"cannot read flow: {error}")]) from None


def load_flow(path: Path) -> Flow:
    """Read, validate against the schema and build the flow in ``path``."""
    return flow_from_document(read_document(path), source=path.name)


def schema_problems(doc: Any, source: str) -> list[Problem]:
    """Every way ``doc`` breaks the schema, each naming its state and field."""
    errors: Iterable[ValidationError] = _validator().iter_errors(doc)
    problems = [_problem(source, error) for error in errors]
    return sorted(problems, key=lambda p: (p.state, p.field, p.message))


def _problem(source: str, error: ValidationError) -> Problem:
    path = [str(part) for part in error.absolute_path]
    state = ""
    if len(path) >= 2 and path[0] == "states":
        state, path = path[1], path[2:]
    field = ".".join(path)
    message = error.message
    if error.validator in ("oneOf", "anyOf") and error.context:
        best = min(error.context, key=lambda e: len(list(e.absolute_path)))
        message = f"{best.message} (or another accepted form)"
    return Problem(source, state, field, message)


def flow_from_document(doc: Any, source: str) -> Flow:
    """Build a flow from a parsed document; raises :class:`FlowError` if it breaks the schema."""
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
    )


_SCALARS = (
    "attempts",
    "after_last_attempt",
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
        type=raw["type"],
        prompt=_prompts(raw.get("prompt")),
        reprompt=_prompts(raw.get("reprompt")),
        options=tuple(_option(o) for o in raw.get("options", ())),
        transitions=dict(raw.get("transitions") or {}),
        inputs=inputs,
        hints=tuple(raw.get("hints", ())),
        **scalars,
    )
