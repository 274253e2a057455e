"""``ivr flows graph``: a flow as a Mermaid ``flowchart``.

Shapes say what a state does: a diamond asks a choice (menu, confirm), a parallelogram waits
for an answer (digits, speech, a recording), a subroutine looks something up, a cylinder files
the report, a stadium ends the call (hangup, transfer), a rounded box only speaks. Edges are
labelled with the key or event that follows them; dotted edges are choices made by voice only,
the way out after the last failed attempt, and the way out once a state's visits are used up
(``max_visits``). Pressing 0 from any question leads to the
flow's operator state: that edge is noted once rather than drawn from every state.
"""

from __future__ import annotations

from flows.model import Flow, State, StateType

_SHAPES = {
    StateType.MENU: ('{"', '"}'),
    StateType.CONFIRM: ('{"', '"}'),
    StateType.ASK_DIGITS: ('[/"', '"/]'),
    StateType.ASK_SPEECH: ('[/"', '"/]'),
    StateType.RECORD: ('[/"', '"/]'),
    StateType.LOOKUP: ('[["', '"]]'),
    StateType.SUBMIT: ('[("', '")]'),
    StateType.HANGUP: ('(["', '"])'),
    StateType.TRANSFER: ('(["', '"])'),
    StateType.SAY: ('("', '")'),
}


def _id(name: str) -> str:
    return f"s_{name}"  # never a Mermaid keyword such as "end"


def _label(text: str) -> str:
    return text.replace('"', "#quot;")


def _node(state: State) -> str:
    left, right = _SHAPES[state.type]
    behaviour = f": {state.behaviour}" if state.behaviour else ""
    return f"    {_id(state.name)}{left}{_label(state.name)}<br/>{state.type}{behaviour}{right}"


def _edges(state: State) -> list[str]:
    lines: list[str] = []
    seen: set[tuple[str, str, str]] = set()

    def edge(target: str, label: str, dotted: bool = False) -> None:
        if (target, label, str(dotted)) in seen:
            return
        seen.add((target, label, str(dotted)))
        arrow = "-.->" if dotted else "-->"
        lines.append(f'    {_id(state.name)} {arrow}|"{_label(label)}"| {_id(target)}')

    for option in state.options:
        if option.key is not None:
            edge(option.target, f"{option.key} {option.name}".strip())
        else:
            edge(option.target, "said", dotted=True)
    for event, target in state.transitions.items():
        edge(target, event)
    if state.after_last_attempt:
        edge(state.after_last_attempt, "last attempt", dotted=True)
    if state.after_max_visits:
        edge(state.after_max_visits, f"visit {state.max_visits} used", dotted=True)
    return lines


def mermaid(flow: Flow) -> str:
    """The Mermaid text of ``flow``, start at the top."""
    lines = ["flowchart TD"]
    if flow.operator:
        lines.append(f"    %% 0 from any question leads to {flow.operator}")
    lines.append(f'    start((" ")) --> {_id(flow.start)}')
    for state in flow.states.values():
        lines.append(_node(state))
    for state in flow.states.values():
        lines += _edges(state)
    return "\n".join(lines) + "\n"
