"""The dialog engine: ``step(flow, state, event, context) -> Outcome``. Pure.

No I/O, no clock, no framework: the flow and the call's state come in with one event; the new
state, the actions the caller should hear and the jobs to run go out. The engine:

- enters states, speaking their prompts and chaining through ``say``, ``lookup`` and
  ``submit`` states until it reaches one that waits for the caller or ends the call;
- answers every input state by keypad and by voice, with 0 (or, at a menu, asking for a
  person) leading to the flow's ``operator`` state from anywhere;
- answers silence and unknown answers with a kind apology and the question again, until the
  state's ``attempts`` are used up, then goes to its ``after_last_attempt``;
- replays its earlier outcome, unchanged, when a step it already answered is asked again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from flows.model import INPUT_TYPES, Flow, FlowError, Problem, State, StateType
from ivr.dialog.actions import Action, Dial, Enqueue, Gather, Hangup, Job, Pause, Record, Redirect
from ivr.dialog.answers import answer, option_name
from ivr.dialog.behaviours import BEHAVIOURS, WAIT
from ivr.dialog.context import DialogContext
from ivr.dialog.events import Event, EventKind
from ivr.dialog.staff import TO_STAFF, StaffLink
from ivr.dialog.staff_resume import part_done, resume
from ivr.dialog.state import CallState, new_call
from ivr.dialog.turn import Turn

MAX_CHAIN = 64  # states entered in one step before the flow is declared a loop
HINTS_LIMIT = 100  # Twilio reads at most this many hint phrases
DIAL_SUCCESS = frozenset({"completed", "answered", "bridged", "hangup"})


@dataclass(frozen=True)
class Outcome:
    """The result of one step. ``replayed``: the step had been answered already, and these
    are the same actions as then; the state is unchanged and no jobs are returned."""

    state: CallState
    actions: tuple[Action, ...]
    jobs: tuple[Job, ...] = ()
    replayed: bool = False


def start_call(flow: Flow, call_sid: str, language: str | None = None) -> CallState:
    """A new call's state, before its ``start`` event, in ``language`` or the flow's first."""
    return new_call(call_sid, flow.name, flow.start, language or flow.languages[0])


def step(flow: Flow, state: CallState, event: Event, context: DialogContext) -> Outcome:
    if event.kind is EventKind.JOB_RESULT:
        return _job_result(flow, state, event, context)
    if event.kind is EventKind.HANGUP:
        if state.ended:
            return Outcome(state, ())
        turn = Turn(flow, state, context)
        turn.end("caller hung up")
        turn.result = "hung up"
        return Outcome(turn.finish(event, counts_as_step=False), ())
    if state.ended:
        # A Twilio retry of the step that said goodbye hears it again; after the caller hung
        # up, a late or forged step gets nothing, not the menu they were at.
        if _ends_the_call(state.last_actions) and _is_replay(state, event):
            return Outcome(state, state.last_actions, replayed=True)
        return Outcome(state, ())
    if _is_replay(state, event):
        return Outcome(state, state.last_actions, replayed=True)
    turn = Turn(flow, state, context)
    turn.at = event.at.isoformat() if event.at else ""
    _dispatch(turn, event)
    return Outcome(turn.finish(event), tuple(turn.actions), tuple(turn.jobs))


def _ends_the_call(actions: tuple[Action, ...]) -> bool:
    """Whether these actions were the call's last words (a goodbye and a hang-up), which a
    Twilio retry of that step is given again."""
    return bool(actions) and isinstance(actions[-1], Hangup)


def _is_replay(state: CallState, event: Event) -> bool:
    if event.kind is EventKind.START:
        return state.step > 0
    if event.kind is EventKind.RESUME or state.step == 0:
        return False
    return event.step != state.step


def _dispatch(turn: Turn, event: Event) -> None:
    flow = turn.flow
    if event.kind is EventKind.RESUME:
        turn.result = f"resumed at {event.target}"
        resume(turn, flow.state(event.target).name, event.data)
        enter(turn, event.target)
        return
    if turn.before.step == 0 or event.kind is EventKind.START:
        turn.result = "started"
        enter(turn, turn.current)
        return
    state = flow.state(turn.current)
    if event.kind is EventKind.REDIRECT:
        turn.result = "redirect"
        enter(turn, state.name, fresh=False)
    elif event.kind is EventKind.DIAL_RESULT:
        _dial_result(turn, state, event)
    elif state.type in INPUT_TYPES:
        answered = answer(turn, state, event)
        if answered.result in ("no_input", "no_match"):
            fail(turn, state, answered.result)
        elif answered.result == "operator":
            turn.result = "asked for a person"
            enter(turn, _operator(flow, state))
        else:
            turn.result = answered.result
            enter(turn, answered.target or state.name)
    else:
        # A stray answer for a state that asks nothing: say where the call stands again.
        turn.result = "ignored"
        enter(turn, state.name, fresh=False)


def _operator(flow: Flow, state: State) -> str:
    if flow.operator is None:
        raise FlowError([Problem(flow.source, state.name, "", "no operator state in this flow")])
    return flow.operator


def fail(turn: Turn, state: State, kind: str) -> None:
    """The caller said nothing (``no_input``) or nothing we know (``no_match``)."""
    if kind in state.transitions:
        turn.result = kind
        enter(turn, state.transitions[kind])
        return
    used = turn.attempts.get(state.name, 0) + 1
    turn.attempts[state.name] = used
    allowed = state.attempts or 1
    turn.result = f"{kind} {used}/{allowed}"
    if used >= allowed:
        enter(turn, state.after_last_attempt or _operator(turn.flow, state))
    else:
        ask(turn, state, apology=kind)


def enter(turn: Turn, name: str, *, fresh: bool = True) -> None:
    """Go to state ``name`` and keep going until the caller has something to answer."""
    flow = turn.flow
    for _ in range(MAX_CHAIN):
        if part_done(turn, name):
            name, fresh = _operator(flow, flow.state(name)), True
        state = flow.state(name)
        if fresh and state.max_visits is not None:
            visits = turn.visits.get(name, 0) + 1
            turn.visits[name] = visits
            if visits > state.max_visits and state.after_max_visits:
                turn.result = f"{turn.result}; {name} visited {visits} times".lstrip("; ")
                name = state.after_max_visits
                continue
        turn.current = name
        if fresh:
            turn.attempts.pop(name, None)
        kind = state.type
        if kind in INPUT_TYPES:
            ask(turn, state)
            return
        if kind is StateType.SAY:
            turn.actions += turn.prompts(state.prompt)
            name, fresh = state.transitions["done"], True
        elif kind is StateType.HANGUP:
            turn.actions += turn.prompts(state.prompt)
            turn.actions.append(Hangup())
            turn.end(f"hung up at {name}")
            return
        elif kind is StateType.TRANSFER:
            if _transfer(turn, state):
                return
            if "failed" not in state.transitions:
                turn.actions.append(Hangup())
                turn.end(f"no transfer target {state.target!r}")
                return
            name, fresh = state.transitions["failed"], True
        elif kind is StateType.SUBMIT:
            turn.actions += turn.prompts(state.prompt)
            turn.jobs.append(_submit_job(turn, state))
            name, fresh = state.transitions["done"], True
        elif kind is StateType.LOOKUP:
            outcome = _lookup(turn, state, fresh)
            if outcome == WAIT:
                return
            name, fresh = state.transitions[outcome], True
        else:  # pragma: no cover - the schema admits no other type
            raise FlowError([Problem(flow.source, name, "type", f"unknown type {kind}")])
    raise FlowError([Problem(flow.source, name, "", "the flow goes round without asking")])


def said_key(turn: Turn, key: str) -> str:
    """A key as a prompt says it: star and pound by the catalogue's word for them ("star",
    "asterisco"), which a voice given the symbol may read otherwise or not at all; a digit as
    it is (every voice reads "2" as the number)."""
    words = turn.catalogue.digits.get(key, ()) if key in ("*", "#") else ()
    return words[0] if words else key


def ask(turn: Turn, state: State, *, apology: str | None = None) -> None:
    """Speak the state's question (after an apology on a retry) and listen for the answer."""
    intro = state.reprompt if apology and state.reprompt else state.prompt
    prompts = [turn.apology(apology)] if apology else []
    prompts += turn.prompts(intro)
    if state.type is StateType.MENU:
        for option in state.options:
            name = option_name(turn, option)
            if option.prompt is not None and option.key is not None and name is not None:
                key = said_key(turn, option.key)
                prompts.append(turn.prompt(option.prompt, {"key": key, "name": name}))
    step = turn.next_step
    if state.type is StateType.RECORD:
        turn.actions += prompts
        turn.actions.append(
            Record(
                step=step,
                max_length=state.max_length,
                finish_on_key="#",
                play_beep=state.play_beep,
                timeout=state.timeout,
            )
        )
    else:
        turn.actions.append(
            Gather(
                step=step,
                input=("dtmf", "speech"),
                num_digits=_num_digits(state),
                timeout=state.timeout,
                finish_on_key=state.finish_on_key if state.type is StateType.ASK_DIGITS else "",
                hints=_hints(turn, state),
                language=turn.language,
                prompts=tuple(prompts),
            )
        )
    turn.actions.append(Redirect(step=step, event="no_input"))


def _num_digits(state: State) -> int | None:
    if state.type in (StateType.MENU, StateType.CONFIRM, StateType.ASK_SPEECH):
        return 1  # one key chooses, presses 0 or skips; speech is not limited by it
    return state.num_digits


def _hints(turn: Turn, state: State) -> tuple[str, ...]:
    words = turn.catalogue.words
    phrases: list[str] = list(state.hints)
    if state.type is StateType.MENU:
        for option in state.options:
            phrases += option.phrases
            if option.name_slot is not None:
                phrases.append(turn.slots.get(option.name_slot, ""))
            for key in option.words:
                phrases += words.get(key, ())
    elif state.type is StateType.CONFIRM:
        phrases += words.get("yes", ()) + words.get("no", ())
    unique = list(dict.fromkeys(p for p in phrases if p))
    return tuple(unique[:HINTS_LIMIT])


def _transfer(turn: Turn, state: State) -> bool:
    target = turn.context.transfers.get(state.target)
    if target is None or not (target.queue or target.number):
        turn.result = f"{turn.result}; transfer target {state.target!r} unavailable".lstrip("; ")
        return False
    turn.actions += turn.prompts(state.prompt)
    via = target.queue or "number"
    turn.staff = replace(turn.staff or StaffLink(), status=TO_STAFF, since=turn.at, via=via)
    if target.queue:
        turn.actions.append(Enqueue(step=turn.next_step, queue=target.queue))
    else:
        turn.actions.append(Dial(step=turn.next_step, number=target.number, timeout=target.timeout))
    return True


def _dial_result(turn: Turn, state: State, event: Event) -> None:
    if state.type is not StateType.TRANSFER:
        turn.result = "ignored dial result"
        enter(turn, state.name, fresh=False)
        return
    outcome = "done" if event.status.lower() in DIAL_SUCCESS else "failed"
    turn.result = f"transfer {outcome}"
    if outcome in state.transitions:
        enter(turn, state.transitions[outcome])
    else:
        turn.actions.append(Hangup())
        turn.end(f"transfer {outcome}")


def _lookup(turn: Turn, state: State, fresh: bool) -> str:
    behaviour = BEHAVIOURS[state.behaviour or ""]
    outcome = behaviour(turn, state)
    if outcome != WAIT:
        return outcome
    polls = 0 if fresh else turn.attempts.get(state.name, 0)
    if polls >= turn.context.max_wait_polls:
        return "failed"
    turn.attempts[state.name] = polls + 1
    turn.actions += [turn.apology("wait"), Pause(seconds=1)]
    turn.actions.append(Redirect(step=turn.next_step, event="redirect"))
    return WAIT


def _submit_job(turn: Turn, state: State) -> Job:
    code = turn.service_code or state.service_code or ""
    data = {
        "flow": turn.flow.name,
        "call_sid": turn.before.call_sid,
        "service_code": code,
        "service_name": turn.service_name,
        "attributes": {k: list(v) for k, v in turn.attributes.items()},
        "location": turn.location.to_dict() if turn.location else None,
        "slots": dict(turn.slots),
        "pending": dict(turn.pending),
        "language": turn.language,
    }
    key = f"{turn.before.call_sid}:submit:{turn.next_step}"
    return Job(name="submit", key=key, step=turn.next_step, data=data, with_step=True)


def _job_result(flow: Flow, state: CallState, event: Event, context: DialogContext) -> Outcome:
    """A job reported back: fill the slot it was for with ``data["text"]`` (and any further
    slots named in ``data["slots"]``). The caller hears this at their next
    step (a waiting state's redirect), so nothing is said and the step count stays."""
    slot = next((s for s, key in state.pending.items() if key == event.job), None)
    if slot is None:
        return Outcome(state, ())
    turn = Turn(flow, state, context)
    turn.pending.pop(slot)
    slots = {**turn.slots, slot: str(event.data.get("text", ""))}
    extra = event.data.get("slots") or {}
    slots.update({str(name): str(value) for name, value in extra.items()})
    turn.slots = slots
    turn.result = f"job {event.job.rsplit(':', 1)[-1]} reported"
    return Outcome(turn.finish(event, counts_as_step=False), ())
