"""The recording notice, and a flow without it for a gateway told not to give it.

Every flow the gateway ships tells the caller that the call is recorded and transcribed
(``flows/fragments/recording_notice.yaml``, catalogue key :data:`NOTICE`). A city whose lawyers
say no notice is needed turns it off (``IVR_RECORDING_NOTICE=off``); the runtime then uses each
flow :func:`without_notice`: the prompt is dropped wherever it is spoken, and a ``say`` state
left with nothing to say is passed through in silence (the engine follows its ``done``). The
flow documents and ``ivr flows check`` judge the flows with the notice, as shipped.
"""

from __future__ import annotations

from dataclasses import replace

from flows.model import Flow, PromptRef

NOTICE = "common.recording_notice"


def without_notice(flow: Flow) -> Flow:
    """``flow`` with the recording notice never spoken."""
    states = {
        name: replace(state, prompt=_kept(state.prompt), reprompt=_kept(state.reprompt))
        for name, state in flow.states.items()
    }
    return replace(flow, states=states)


def _kept(prompts: tuple[PromptRef, ...]) -> tuple[PromptRef, ...]:
    return tuple(prompt for prompt in prompts if prompt.key != NOTICE)
