"""The named behaviours a flow may use, and the named values its prompts may speak.

A flow never holds an expression: where a state needs work done (look an address up), it names
a behaviour registered here, and the dialog engine (``ivr.dialog.behaviours``) implements it
under the same name. A test keeps the two registries equal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flows.model import StateType


@dataclass(frozen=True)
class BehaviourSpec:
    """What a flow document may say about a behaviour.

    ``state_type``: the only state type that may name it. ``outcomes``: the events it ends
    with, each of which the state must route. ``inputs``: the input names the state may map to
    slots (``required_inputs`` must be mapped). ``provides``: prompt values it fills.
    """

    name: str
    state_type: StateType
    outcomes: tuple[str, ...]
    inputs: tuple[str, ...]
    required_inputs: tuple[str, ...]
    provides: tuple[str, ...] = ()
    description: str = ""
    needs_attribute: bool = False  # the state must name the Open311 ``attribute`` it judges


# What the street menus' behaviours fill: four streets' names and the "more streets" option's
# (``ivr.dialog.location_repair`` fills them; a menu option's ``name_slot`` names them).
STREET_OPTION_SLOTS = tuple(f"street_option_{n}" for n in range(1, 5))
STREET_MORE_SLOT = "street_more"


def _street_menu(name: str, description: str) -> BehaviourSpec:
    """A behaviour that fills the street menu from the keyed ``letters`` and ``house_number``."""
    return BehaviourSpec(
        name=name,
        state_type=StateType.LOOKUP,
        outcomes=("found", "none", "failed"),
        inputs=("letters", "house_number"),
        required_inputs=("letters",),
        provides=(*STREET_OPTION_SLOTS, STREET_MORE_SLOT),
        description=description,
    )


BEHAVIOURS: Mapping[str, BehaviourSpec] = {
    "resolve_address": BehaviourSpec(
        name="resolve_address",
        state_type=StateType.LOOKUP,
        outcomes=("done", "ambiguous", "failed"),
        inputs=("words", "postal_code"),
        required_inputs=(),
        provides=("address",),
        description=(
            "Turns the words held in the `words` slots (joined by spaces; when not mapped, the "
            "words of the call's previous lookup), and the `postal_code` slot when mapped, into "
            "a place. `done`: one confident match, read back as "
            "{address}; `ambiguous`: the street exists in several places (ask for the postal "
            "code); `failed`: no confident match."
        ),
    ),
    "request_status": BehaviourSpec(
        name="request_status",
        state_type=StateType.LOOKUP,
        outcomes=("found", "received", "unknown", "failed"),
        inputs=("reference",),
        required_inputs=("reference",),
        provides=("status_reference", "status_words", "status_details"),
        description=(
            "Asks the city (a job; the caller hears 'one moment') about the request whose "
            "reference is in the `reference` slot. `found`: {status_words} is its status and "
            "{status_details} its notes and when it last changed; `received`: the gateway holds "
            "it but the city has not given it a number yet; `unknown`: no such request; "
            "`failed`: the city cannot be reached."
        ),
    ),
    "start_duplicate_check": BehaviourSpec(
        name="start_duplicate_check",
        state_type=StateType.LOOKUP,
        outcomes=("done",),
        inputs=(),
        required_inputs=(),
        description=(
            "Starts the look for open requests of the chosen service near the confirmed place "
            "(a job), and goes on at once; `find_duplicates` later gives its answer."
        ),
    ),
    "find_duplicates": BehaviourSpec(
        name="find_duplicates",
        state_type=StateType.LOOKUP,
        outcomes=("found", "none", "failed"),
        inputs=(),
        required_inputs=(),
        provides=("duplicate_of", "duplicate_address", "duplicate_date"),
        description=(
            "The answer of the look `start_duplicate_check` started (started here if it was "
            "not; the caller waits for it). `found`: the nearest is {duplicate_of}, at "
            "{duplicate_address}, reported on {duplicate_date}; `none`: nothing near; "
            "`failed`: the city cannot be reached."
        ),
    ),
    "offer_text": BehaviourSpec(
        name="offer_text",
        state_type=StateType.LOOKUP,
        outcomes=("ask", "skip"),
        inputs=(),
        required_inputs=(),
        description=(
            "`ask` when the gateway sends text messages (`IVR_SMS_FROM`) and the caller's "
            "number can receive one; `skip` otherwise."
        ),
    ),
    "await_transcripts": BehaviourSpec(
        name="await_transcripts",
        state_type=StateType.LOOKUP,
        outcomes=("done", "failed"),
        inputs=("slots",),
        required_inputs=("slots",),
        description=(
            "Waits while a recording stored in the `slots` slots is being transcribed (the "
            'caller hears "one moment"). `done`: every transcript is in; `failed`: the wait '
            "ran out, and the flow goes on with what there is."
        ),
    ),
    "match_street_letters": _street_menu(
        "match_street_letters",
        "The gazetteer's streets whose names start with the letters keyed on the phone "
        "pad in the `letters` slot (2=ABC … 9=WXYZ; a digit keys itself), those with the "
        "house number in the `house_number` slot first, four at a time: the first four's "
        "names in the slots `street_option_1` … `street_option_4` (a menu option's "
        "`name_slot`), and `street_more` set when there are more (up to sixteen; the "
        "option that asks for them names it). `found`: at least one; `none`: no street "
        "starts so; `failed`: the gateway has no street list (a remote geocoder).",
    ),
    "more_street_choices": _street_menu(
        "more_street_choices",
        "The next four streets of `match_street_letters`' list, in the same slots; "
        "`street_more` is emptied on the last of them. `found`: offered; `none`: there "
        "were no more; `failed`: the gateway has no street list.",
    ),
    "resolve_street_choice": BehaviourSpec(
        name="resolve_street_choice",
        state_type=StateType.LOOKUP,
        outcomes=("done", "no_number", "failed"),
        inputs=("choice", "house_number"),
        required_inputs=("choice",),
        provides=("address",),
        description=(
            "The street chosen from the menu `match_street_letters` or `more_street_choices` "
            "filled (its place on it, 1 to 4, in the "
            "`choice` slot), with the `house_number`, looked up and read back as {address}. "
            "`done`: placed; `no_number`: no house number keyed yet (the flow asks it and "
            "comes back); `failed`: no such choice, or not found."
        ),
    ),
    "require_attribute": BehaviourSpec(
        name="require_attribute",
        state_type=StateType.LOOKUP,
        outcomes=("answered", "unanswered"),
        inputs=(),
        required_inputs=(),
        needs_attribute=True,
        description=(
            "Whether the call holds at least one value of the Open311 attribute the state "
            "names (`attribute`): `answered`, or `unanswered` (a required multivaluelist the "
            "caller said no to throughout, which the city would refuse)."
        ),
    ),
    "keep_place_unconfirmed": BehaviourSpec(
        name="keep_place_unconfirmed",
        state_type=StateType.LOOKUP,
        outcomes=("done",),
        inputs=("said", "house_number", "street", "letters"),
        required_inputs=(),
        description=(
            "No place could be confirmed: the report goes on with the caller's own words as "
            "its address (the address `said`, the `house_number` and `street` said alone; with "
            'no words, the keyed `letters`), no coordinates, and a "place not confirmed" '
            "mark that staff and the city see."
        ),
    ),
}

# Values the engine fills from the call itself, besides every slot by its name.
ENGINE_VALUES: Mapping[str, str] = {
    "key": "the key of the option a menu prompt belongs to",
    "service": "the speakable name of the service the caller chose",
    "address": "the read-back of the confirmed or proposed location",
}

# Prompts and word lists the engine itself uses, which every catalogue must hold.
ENGINE_PROMPTS: tuple[str, ...] = (
    "common.no_input",  # before repeating a question the caller did not answer
    "common.no_match",  # before repeating a question the caller answered with something unknown
    "common.wait",  # while a behaviour waits on a job (a transcript)
)
ENGINE_WORDS: tuple[str, ...] = ("yes", "no", "operator", "skip")
