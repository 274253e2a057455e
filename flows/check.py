"""``ivr flows check``: everything that must hold for a flow before a caller meets it.

- the document matches the schema;
- every target state exists, and every state is reachable from ``start``;
- every path ends: from every state a hangup or transfer can be reached, and no state leaves an
  event it can produce unrouted (a dead end);
- every loop is bounded: each cycle of states passes through a state with ``max_visits``
  (``attempts`` counts re-asks of one state only, and is reset when the state is entered);
- every input state says how many attempts it allows and where the caller goes after the last;
- every prompt key and word list exists in every catalogue the flow speaks, and every
  placeholder has a named value to fill it;
- every behaviour is registered, on the state type it belongs to, with its inputs mapped.

Each problem names the file, the state and the field.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import Any

from flows.behaviour_specs import BEHAVIOURS, ENGINE_PROMPTS, ENGINE_VALUES, ENGINE_WORDS
from flows.catalogue import Catalogue, compare_catalogues, placeholders
from flows.loader import flow_from_document
from flows.model import (
    INPUT_TYPES,
    OPTIONAL_TRANSITIONS,
    REQUIRED_TRANSITIONS,
    TERMINAL_TYPES,
    Flow,
    FlowError,
    Problem,
    State,
    StateType,
)

# What a transcribed recording may be told: the keyed house number narrows a street said next.
TRANSCRIPTION_INPUTS = ("house_number",)


def check_document(doc: Any, source: str, catalogues: Mapping[str, Catalogue]) -> list[Problem]:
    """Schema first (a document that breaks it cannot be checked further), then the flow."""
    try:
        flow = flow_from_document(doc, source)
    except FlowError as error:
        return error.problems
    return check_flow(flow, catalogues)


def check_flow(flow: Flow, catalogues: Mapping[str, Catalogue]) -> list[Problem]:
    problems: list[Problem] = []
    src = flow.source

    def add(state: str, field: str, message: str) -> None:
        problems.append(Problem(src, state, field, message))

    if flow.start not in flow.states:
        add("", "start", f"names state '{flow.start}', which does not exist")
    if flow.operator is not None and flow.operator not in flow.states:
        add("", "operator", f"names state '{flow.operator}', which does not exist")
    for language in flow.languages:
        if language not in catalogues:
            add("", "languages", f"no catalogue for language '{language}'")
    speaking = [catalogues[lang] for lang in flow.languages if lang in catalogues]
    slots = {s.store_as for s in flow.states.values() if s.store_as}
    for state in flow.states.values():  # what a lookup's behaviour fills, prompts may speak
        spec = BEHAVIOURS.get(state.behaviour or "")
        slots |= set(spec.provides if spec else ())

    for state in flow.states.values():
        for field, target in state.targets():
            if target not in flow.states:
                add(state.name, field, f"target state '{target}' does not exist")
        _check_shape(state, add)
        _check_prompts(state, speaking, catalogues, slots, add)
    problems += _check_graph(flow)
    problems += _check_loops(flow)
    return problems


def _check_shape(state: State, add: Any) -> None:
    name, kind = state.name, state.type
    if kind in INPUT_TYPES:
        if state.attempts is None:
            add(name, "attempts", "an input state must say how many attempts the caller gets")
        if state.after_last_attempt is None:
            add(
                name,
                "after_last_attempt",
                "an input state must say where the caller goes after the last failed attempt",
            )
    required = list(REQUIRED_TRANSITIONS[kind])
    allowed = set(required) | set(OPTIONAL_TRANSITIONS[kind])
    if kind is StateType.LOOKUP:
        spec = BEHAVIOURS.get(state.behaviour or "")
        if spec is None:
            add(name, "behaviour", f"'{state.behaviour}' is not a registered behaviour")
            allowed |= set(state.transitions)  # its outcomes are unknown: judge none of them
        else:
            required += spec.outcomes
            allowed |= set(spec.outcomes)
            for input_name in state.inputs:
                if input_name not in spec.inputs:
                    add(name, f"inputs.{input_name}", f"'{spec.name}' takes no such input")
            for input_name in spec.required_inputs:
                if input_name not in state.inputs:
                    add(name, f"inputs.{input_name}", f"'{spec.name}' needs this input")
            if spec.needs_attribute and not state.attribute:
                add(name, "attribute", f"'{spec.name}' needs the attribute it judges")
    elif state.behaviour is not None:
        add(name, "behaviour", f"a {kind} state takes no behaviour")
    if kind is StateType.RECORD and state.transcribe:
        for input_name in state.inputs:
            if input_name not in TRANSCRIPTION_INPUTS:
                add(name, f"inputs.{input_name}", "a transcription takes no such input")
    elif kind is not StateType.LOOKUP and state.inputs:
        add(name, "inputs", f"a {kind} state takes no inputs")
    for event in required:
        if event not in state.transitions:
            add(
                name,
                f"transitions.{event}",
                f"dead end: a {kind} state must say where '{event}' leads",
            )
    for event in state.transitions:
        if event not in allowed:
            add(name, f"transitions.{event}", f"a {kind} state never produces '{event}'")
    if state.options and kind is not StateType.MENU:
        add(name, "options", f"a {kind} state has no options (only a menu has)")
    keys = [o.key for o in state.options if o.key is not None]
    for key in sorted({k for k in keys if keys.count(k) > 1}):
        add(name, "options", f"key {key} is used by more than one option")
    if kind is StateType.CONFIRM and state.yes_key == state.no_key:
        add(name, "no_key", "yes and no need different keys")
    if state.skip_key is not None and state.skip_key in keys:
        add(name, "skip_key", f"key {state.skip_key} also chooses an option")
    if state.skip_key is not None and "skip" not in state.transitions:
        add(name, "transitions.skip", "a state with a skip_key must say where 'skip' leads")
    if state.max_digits and state.min_digits > state.max_digits:
        add(name, "min_digits", "is above max_digits")
    for i, option in enumerate(state.options):
        if option.name_slot and option.prompt is None:
            add(name, f"options[{i}].prompt", "an option named by a slot needs a prompt to say it")


def _check_prompts(
    state: State,
    speaking: list[Catalogue],
    catalogues: Mapping[str, Catalogue],
    slots: set[str],
    add: Any,
) -> None:
    # an option named by a slot speaks that slot's value as its {name}
    named = {f"options[{i}].prompt" for i, o in enumerate(state.options) if o.name_slot}
    for field, ref in state.prompt_refs():
        in_languages = speaking
        if ref.language is not None:
            if ref.language in catalogues:
                in_languages = [catalogues[ref.language]]
            else:
                add(state.name, f"{field}.language", f"no catalogue for language '{ref.language}'")
        known = slots | set(ENGINE_VALUES) | {k for k, _ in ref.values}
        if field in named:
            known.add("name")
        for catalogue in in_languages:
            template = catalogue.prompts.get(ref.key)
            if template is None:
                add(state.name, field, f"prompt '{ref.key}' is not in catalogue {catalogue.source}")
                continue
            for value in placeholders(template):
                if value not in known:
                    add(
                        state.name,
                        field,
                        f"prompt '{ref.key}' needs a value for {{{value}}}, which nothing fills",
                    )
    for i, option in enumerate(state.options):
        if option.language is not None and option.language not in catalogues:
            add(state.name, f"options[{i}].language", f"no catalogue for '{option.language}'")
        for word in option.words:
            for catalogue in speaking:
                if word not in catalogue.words:
                    add(
                        state.name,
                        f"options[{i}].words",
                        f"word list '{word}' is not in catalogue {catalogue.source}",
                    )


def _edges(flow: Flow, state: State) -> list[str]:
    found = [target for _, target in state.targets() if target in flow.states]
    if state.type in INPUT_TYPES and flow.operator is not None and flow.operator in flow.states:
        found.append(flow.operator)
    return found


def _check_graph(flow: Flow) -> list[Problem]:
    if flow.start not in flow.states:
        return []
    problems: list[Problem] = []
    seen = {flow.start}
    queue = deque([flow.start])
    while queue:
        for target in _edges(flow, flow.states[queue.popleft()]):
            if target not in seen:
                seen.add(target)
                queue.append(target)
    for name in flow.states:
        if name not in seen:
            problems.append(
                Problem(
                    flow.source, name, "", f"unreachable: no path leads here from '{flow.start}'"
                )
            )
    # Walk backwards from the states where a call may end: whatever is not reached cannot end.
    incoming: dict[str, set[str]] = {name: set() for name in flow.states}
    for state in flow.states.values():
        for target in _edges(flow, state):
            incoming[target].add(state.name)
    ending = {s.name for s in flow.states.values() if s.type in TERMINAL_TYPES}
    queue = deque(ending)
    while queue:
        for source in incoming[queue.popleft()]:
            if source not in ending:
                ending.add(source)
                queue.append(source)
    for name in flow.states:
        if name in seen and name not in ending:
            problems.append(
                Problem(
                    flow.source,
                    name,
                    "",
                    "no path from here ends the call (with a hangup or a transfer)",
                )
            )
    return problems


def _check_loops(flow: Flow) -> list[Problem]:
    """Every cycle must pass through a state with a visit limit: the states without one must
    form no cycle among themselves (a strongly connected component of two or more states, or
    a state that leads to itself through a transition or an option)."""
    free = {name for name, state in flow.states.items() if state.max_visits is None}
    edges = {
        name: [t for t in _edges(flow, flow.states[name]) if t in free] for name in sorted(free)
    }
    problems = []
    for component in strongly_connected(edges):
        if len(component) == 1 and component[0] not in edges[component[0]]:
            continue
        names = ", ".join(f"'{name}'" for name in component)
        problems.append(
            Problem(
                flow.source,
                component[0],
                "max_visits",
                f"unbounded loop: {names} lead back to each other and none of them limits "
                "its visits (give one max_visits and after_max_visits)",
            )
        )
    return problems


def strongly_connected(edges: Mapping[str, list[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components of ``edges``, each sorted, without recursion."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    for root in edges:
        if root in index:
            continue
        work = [(root, iter(edges[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, targets = work[-1]
            target = next(targets, None)
            if target is not None:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(edges[target])))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component))
    return components


def check_catalogues(catalogues: Mapping[str, Catalogue]) -> list[Problem]:
    """The catalogues agree with each other and hold what the engine itself speaks."""
    problems = compare_catalogues(catalogues)
    for catalogue in catalogues.values():
        for key in ENGINE_PROMPTS:
            if key not in catalogue.prompts:
                problems.append(Problem(catalogue.source, "", f"prompts.{key}", "missing"))
        for key in ENGINE_WORDS:
            if key not in catalogue.words:
                problems.append(Problem(catalogue.source, "", f"words.{key}", "missing"))
    return problems
