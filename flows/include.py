"""Fragments: part of a flow written once, in ``flows/fragments/``, and included by several flows.

A flow document lists the fragments it includes, with values for their parameters::

    include:
      - fragment: location                 # flows/fragments/location.yaml
        with: {confirmed: submit, confirm_prompt: bike_rack.confirm}

A fragment document declares its ``parameters`` (one with a ``default`` may be left out; one
without must be given), its ``states``, and ``variants``: states that replace some of its own
states when the parameters equal the variant's ``when``. Wherever a state name or a value in
the fragment is exactly ``"${name}"``, the parameter's value takes its place; nothing else is
computed, and a ``${`` anywhere else is a problem. The included states join the flow's own; a
name defined twice is a problem, never an override. Flows are expanded before the schema and
``ivr flows check`` judge them, so both judge the flow as a caller meets it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from flows.model import FlowError, Problem
from flows.schema import schema_problems
from flows.yaml12 import load_yaml

FRAGMENTS_DIR = Path(__file__).resolve().parent / "fragments"
_PLACEHOLDER = re.compile(r"\$\{([a-z][a-z0-9_]*)\}")

Value = str | bool


@dataclass(frozen=True)
class Fragment:
    """A fragment document after its schema: ``parameters`` maps each name to its default
    (``None``: the including flow must give it); ``variants`` pairs each ``when`` with the
    states it replaces."""

    name: str
    source: str
    parameters: Mapping[str, Value | None]
    states: Mapping[str, Any]
    variants: tuple[tuple[Mapping[str, Value], Mapping[str, Any]], ...] = ()

    def expand(self, values: Mapping[str, Value]) -> dict[Any, Any]:
        """The fragment's states for these parameter values, placeholders filled."""
        chosen = dict(self.states)
        for when, replacement in self.variants:
            if all(_same(values[key], wanted) for key, wanted in when.items()):
                chosen.update(replacement)
        return {_fill(name, values): _fill(raw, values) for name, raw in chosen.items()}


def fragment_names() -> list[str]:
    return sorted(path.stem for path in FRAGMENTS_DIR.glob("*.yaml"))


@cache
def load_fragment(name: str) -> Fragment:
    """Read and validate ``fragments/<name>.yaml``; raises :class:`FlowError` naming it."""
    path = FRAGMENTS_DIR / f"{name}.yaml"
    source = f"fragments/{path.name}"
    try:
        doc = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise FlowError([Problem(source, "", "", f"cannot read fragment: {error}")]) from None
    problems = schema_problems(doc, source, definition="fragment")
    if problems:
        raise FlowError(problems)
    parameters = {key: spec.get("default") for key, spec in (doc.get("parameters") or {}).items()}
    variants = tuple((v["when"], v["states"]) for v in doc.get("variants", ()))
    fragment = Fragment(name, source, parameters, doc["states"], variants)
    problems = _fragment_problems(fragment)
    if problems:
        raise FlowError(problems)
    return fragment


def _fragment_problems(fragment: Fragment) -> list[Problem]:
    """Placeholders name declared parameters and fill whole values; variants replace states
    the fragment has, on parameters it declares."""
    problems: list[Problem] = []

    def add(field: str, message: str) -> None:
        problems.append(Problem(fragment.source, "", field, message))

    for index, (when, replacement) in enumerate(fragment.variants):
        for key, wanted in when.items():
            if key not in fragment.parameters:
                add(f"variants.{index}.when.{key}", "is not a parameter of this fragment")
            elif not _fits(wanted, fragment.parameters[key]):
                add(f"variants.{index}.when.{key}", "is not of the parameter's type")
        for name in replacement:
            if name not in fragment.states:
                add(f"variants.{index}.states.{name}", "a variant replaces states; this is new")
    parts = {"states": fragment.states}
    parts.update(
        {f"variants.{i}.states": states for i, (_, states) in enumerate(fragment.variants)}
    )
    for prefix, states in parts.items():
        for field, text in _strings(states, prefix):
            match = _PLACEHOLDER.fullmatch(text)
            if match is None:
                add(field, f"'{text}': a placeholder must be the whole value, as \"${{name}}\"")
            elif match.group(1) not in fragment.parameters:
                add(field, f"'{text}' names no parameter of this fragment")
    return problems


def _strings(value: Any, where: str) -> Iterator[tuple[str, str]]:
    """Every key and string value that holds ``${``, with its field path."""
    if isinstance(value, str) and "${" in value:
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key, where)
            yield from _strings(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{where}.{index}")


def _fill(value: Any, values: Mapping[str, Value]) -> Any:
    """A copy of ``value`` with each ``"${name}"`` key or value replaced by the parameter."""
    if isinstance(value, str):
        match = _PLACEHOLDER.fullmatch(value)
        return values[match.group(1)] if match else value
    if isinstance(value, dict):
        return {_fill(key, values): _fill(item, values) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, values) for item in value]
    return value


def _same(value: Value, wanted: Value) -> bool:
    return type(value) is type(wanted) and value == wanted


def _fits(value: Value, default: Value | None) -> bool:
    return default is None or type(value) is type(default)


def expand_includes(doc: Any, source: str) -> tuple[Any, list[Problem]]:
    """``doc`` with the states of every fragment it includes, and without ``include``; or the
    problems that stop it. A document without ``include`` is returned as it is."""
    if not isinstance(doc, dict) or "include" not in doc:
        return doc, []
    own = doc.get("states", {})
    if not isinstance(own, dict):
        return doc, []  # the schema names this
    problems = schema_problems(doc["include"], source, definition="includes", prefix="include")
    if problems:
        return doc, problems
    states = dict(own)
    origin = dict.fromkeys(own, "the flow itself")
    for index, entry in enumerate(doc["include"]):
        where = f"include.{index}"
        name = entry["fragment"]
        if name not in fragment_names():
            known = ", ".join(fragment_names())
            problems.append(
                Problem(source, "", f"{where}.fragment", f"no fragment '{name}' (known: {known})")
            )
            continue
        try:
            fragment = load_fragment(name)
        except FlowError as error:
            problems += error.problems
            continue
        values, found = _parameters(fragment, entry.get("with") or {}, source, where)
        problems += found
        if found:
            continue
        for state, raw in fragment.expand(values).items():
            if state in origin:
                message = f"defined by both {origin[state]} and fragment '{name}'"
                problems.append(Problem(source, str(state), "", message))
                continue
            states[state] = raw
            origin[state] = f"fragment '{name}'"
    expanded = {key: value for key, value in doc.items() if key != "include"}
    expanded["states"] = states
    return expanded, problems


def _parameters(
    fragment: Fragment, given: Mapping[str, Value], source: str, where: str
) -> tuple[dict[str, Value], list[Problem]]:
    """Every parameter's value: the one given, else the default; a problem for an unknown
    parameter, a missing required one, or a value of another type than the default's."""
    problems: list[Problem] = []
    for key in given:
        if key not in fragment.parameters:
            takes = ", ".join(fragment.parameters) or "none"
            message = f"fragment '{fragment.name}' has no parameter '{key}' (it takes: {takes})"
            problems.append(Problem(source, "", f"{where}.with.{key}", message))
    values: dict[str, Value] = {}
    for key, default in fragment.parameters.items():
        if key in given:
            if not _fits(given[key], default):
                kind = "true or false" if isinstance(default, bool) else "a string"
                problems.append(Problem(source, "", f"{where}.with.{key}", f"must be {kind}"))
            values[key] = given[key]
        elif default is None:
            message = f"fragment '{fragment.name}' needs a value for '{key}'"
            problems.append(Problem(source, "", f"{where}.with", message))
        else:
            values[key] = default
    return values, problems
