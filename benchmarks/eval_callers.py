"""The evaluation's caller: a person with an address and a problem who reacts to what the 311
line says, as one would on the phone (``speech_calls_eval.py`` places the calls).

The caller says the address (often after a lead-in: "um", "it's at", "I'm calling about the
pothole at"), answers a read-back with 1 only when it names their place (the expected words are
spoken by the gateway's own ``ivr.addresses.readback``, compared normalised), and follows the
repair offered in the same call: the house number keyed, the street said alone, the ZIP code
keyed when the street named is theirs (else star), the first three letters of the street's name
keyed (T9), their street picked from a menu (else the next menu, else "none of these"). The
rest of the flow — the service menus, a service's questions, the description, the last
confirmation, the duplicate and text offers — is answered as a person with that problem would.
Every answer is chosen from the words heard, never from the gateway's state; ``CallerNotes``
keeps what happened for the report.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

from ivr.addresses.number_words import NUMBER_WORDS
from ivr.addresses.readback import speak_house_number, speak_place
from ivr.addresses.streets import parse_street, speakable_street
from ivr.addresses.types import Place
from ivr.simulator import AnswerDial, HangUp, Press, QueueOutcome, Silence, SpeakAudio, Turn
from ivr.simulator.script import Action
from speech.channel import NoiseColour
from tests.support.speech_audio import spoken_wav

# "{thing}" is the problem's own word: "I'm calling about the pothole at ..."
LEAD_INS = (
    "the address is", "it's at", "in front of", "near", "um", "uh, yeah, it's",
    "I'm calling about the {thing} at", "okay so it's", "hi, it's at", "it's right outside",
    "the {thing} is at", "so, um, it's by",
)  # fmt: skip


@dataclass(frozen=True)
class Problem:
    """What the caller reports: the description said, the words of the menu choices that lead
    to its service (matched against "For {name}, press {key}."), and its noun for lead-ins."""

    description: str
    menu_words: tuple[str, ...]
    thing: str


# description said | words of the menu choices that lead to its service | its noun
_PROBLEM_LINES = """
there is a deep pothole in front of the school | street defects pavement | pothole
the road has a big hole and cars swerve around it | street defects pavement | pothole
the steel plate over the trench has moved and it bangs when cars go over it | street defects construction plate | plate
someone dumped an old mattress and a couch on the sidewalk | illegal dumping | mattress
the city trash can on the corner is overflowing | overflowing receptacle | trash can
a big branch is hanging over the sidewalk and looks like it will fall | tree maintenance damaged | tree
the curb ramp at the corner is cracked and broken | sidewalk curb ramp | curb ramp
there is graffiti all over the wall of the bus shelter | graffiti public other | graffiti
the litter basket is damaged and the lid is gone | litter receptacles damaged city | litter basket
"""  # noqa: E501
PROBLEMS = tuple(
    Problem(description, tuple(menu.split()), thing)
    for description, menu, thing in (
        line.split(" | ") for line in _PROBLEM_LINES.strip().splitlines()
    )
)


@dataclass(frozen=True)
class Address:
    number: str
    street: str
    postal_code: str
    lat: float
    lon: float
    neighbourhood: str = ""  # the city's district of the postal code, as the gateway names it

    @property
    def spoken(self) -> str:
        return f"{speak_house_number(self.number)} {speakable_street(self.street)}"

    @property
    def read_back(self) -> str:
        """What the gateway says of this place when it found it."""
        place = Place(
            self.lat, self.lon, self.number, self.street, "", "", self.postal_code,
            self.neighbourhood,
        )  # fmt: skip
        return speak_place(place)


@dataclass(frozen=True)
class Condition:
    """How the line sounds: clean, or noise of a colour at an SNR, on the line (after the
    band-pass) or in the caller's room (before it)."""

    name: str
    noise: NoiseColour = "white"
    snr_db: float | None = None
    in_room: bool = False


class Voice:
    """One synthetic voice on one line: speaks text to WAV files, cached on disk by content
    (a restarted evaluation does not synthesise again)."""

    def __init__(self, name: str, condition: Condition, folder: Path) -> None:
        self.name, self.condition, self._folder = name, condition, folder

    def say(self, text: str, then: str = "") -> SpeakAudio:
        c = self.condition
        key = f"{self.name}|{c.noise}|{c.snr_db}|{c.in_room}|{text}"
        path = self._folder / f"{hashlib.sha1(key.encode()).hexdigest()[:20]}.wav"
        if not path.exists():
            audio = spoken_wav(text, self.name, c.snr_db, c.noise, c.in_room)
            partial = path.with_suffix(".part")
            partial.write_bytes(audio)
            partial.replace(path)  # whole files only, should the run be stopped
        return SpeakAudio(path, then=then)


@dataclass
class CallerNotes:
    """What happened in the call, from the caller's side (the evaluation's figures)."""

    said: str = ""  # the address as first said, with its lead-in
    read_backs: list[tuple[str, bool]] = field(default_factory=list)  # heard, was it ours
    first_answer: str = ""  # the first thing the line said after the address: read-back, …
    repairs: list[str] = field(default_factory=list)  # keypad, street, zip, letters, menu…
    not_confirmed: bool = False  # heard that the place could not be confirmed
    description: str = ""
    unknown: list[str] = field(default_factory=list)  # prompts this caller could not answer

    @property
    def first_try_right(self) -> bool:
        return self.first_answer == "read-back" and self.read_backs[0][1]


def words(text: str) -> list[str]:
    """Lower-case words without punctuation: what two spoken texts are compared on."""
    return re.findall(r"[a-z0-9']+", text.lower())


def same_place(heard: str, expected: str) -> bool:
    """A read-back names the caller's place: the number and street words equal, and the
    district too when both say one ("…, in Brighton" against "…, in Dorchester" is wrong)."""
    heard_main, _, heard_district = heard.partition(",")
    main, _, district = expected.partition(",")
    if words(heard_main) != words(main):
        return False
    return not (heard_district.strip() and district.strip()) or words(heard_district) == words(
        district
    )


def names_street(heard: str, street: str) -> bool:
    """The ZIP-code question names the caller's street ("I heard twenty two Wabon Street",
    "I heard Wabon Street (no house number)"): the caller keys their ZIP code for it, even
    when the number heard is wrong (the read-back after it is then refused)."""
    said = words(speakable_street(street))
    heard_words = words(heard.split("(")[0])
    number = heard_words[: len(heard_words) - len(said)]
    spoken_number = all(w == "oh" or w.upper() in NUMBER_WORDS for w in number)
    return heard_words[len(number) :] == said and spoken_number


T9 = {letter: str(key) for key, letters in enumerate(
    ("", "", "abc", "def", "ghi", "jkl", "mno", "pqrs", "tuv", "wxyz")
) for letter in letters}  # fmt: skip


def t9_keys(street: str, count: int = 3) -> str:
    """The keys of the first ``count`` letters of a street's name without its directional and
    type: "Northwest 7th Avenue" → "784", "Washington Street" → "927"."""
    name = re.sub(r"[^a-z0-9]", "", parse_street(street).name.lower())
    return "".join(T9.get(char, char) for char in name[:count])


MENU_OPTION = re.compile(r"For (.+?), press (\d)\.")
YES_NO_VALUE = re.compile(r"Is it (.+?)\? Press 1 for yes, 2 for no")
READ_BACK = re.compile(r"I heard (.+?)\. Press 1 if that is right")
ZIP_QUESTION = re.compile(r"I heard (.+?)\. That street")


class EvalCaller:
    """The caller's policy, one instance per call: ``Respond(caller)`` in the script."""

    def __init__(
        self, address: Address, problem: Problem, voice: Voice, lead_in: str, seed: int
    ) -> None:
        self.address, self.problem, self.voice = address, problem, voice
        self.lead_in = lead_in.replace("{thing}", problem.thing)
        self.notes = CallerNotes(description=problem.description)
        self._random = random.Random(seed)
        self._asked_where = 0
        self._puzzled = 0  # unknown prompts in a row
        self.address_turns = 0  # recordings that carry the address or the street (timed)

    def __call__(self, turn: Turn) -> Action | None:
        text = turn.text
        if "could not confirm the place" in text:
            self.notes.not_confirmed = True
        if turn.verb == "dial":
            return AnswerDial("no-answer")  # no person takes calls in the evaluation
        if turn.verb == "enqueue":
            return QueueOutcome("hangup")
        if turn.verb == "hold":
            return None
        action = self._answer(text)
        if action is None:
            self._puzzled += 1
            self.notes.unknown.append(text[-160:])
            return Silence() if self._puzzled == 1 else HangUp()
        self._puzzled = 0
        return action

    def _first(self, kind: str) -> None:
        if self._asked_where and not self.notes.first_answer:
            self.notes.first_answer = kind

    def _answer(self, text: str) -> Action | None:
        a = self.address
        if "tell us what you see" in text:
            return self.voice.say(self.problem.description, then="#")
        if found := ZIP_QUESTION.search(text):
            self._first("zip")
            self.notes.repairs.append("zip")
            ours = names_street(found.group(1), a.street)
            return Press(a.postal_code if ours else "*")
        if "first three letters" in text:
            self._first("letters")
            self.notes.repairs.append("letters")
            return Press(t9_keys(a.street) + ("#" if "pound" in text else ""))
        if "none of these" in text:
            self._first("street menu")
            self.notes.repairs.append("street menu")
            return Press(self._street_choice(text))
        if found := READ_BACK.search(text):
            self._first("read-back")
            ours = same_place(found.group(1), a.read_back)
            self.notes.read_backs.append((found.group(1), ours))
            return Press("1" if ours else "2")
        if "To send your report" in text:
            return Press("1")
        if "add your voice" in text:
            return Press("2")  # a new report: the evaluation measures this caller's place
        if "text message" in text:
            return Press("2")
        if "Now enter the house number" in text:  # a street chosen by letters, no number yet
            self.notes.repairs.append("number")
            return Press(f"{a.number}#")
        if "Enter the house number" in text:
            self._first("keypad")
            self.notes.repairs.append("keypad")
            return Press(f"{a.number}#")
        if "say just the street name" in text:
            self.notes.repairs.append("street")
            self.address_turns += 1
            return self.voice.say(speakable_street(a.street))
        if "street address" in text or "Where is the problem" in text:
            return self._say_address()
        return self._answer_question(text)

    def _say_address(self) -> SpeakAudio:
        self._asked_where += 1
        self.address_turns += 1
        if self._asked_where == 1:  # the lead-in once; said again plainly
            said = f"{self.lead_in} {self.address.spoken}".strip()
            self.notes.said = said
            return self.voice.say(said)
        return self.voice.say(self.address.spoken)

    def _street_choice(self, text: str) -> str:
        ours = words(speakable_street(self.address.street))
        for name, key in MENU_OPTION.findall(text):
            if words(name.partition(",")[0]) == ours:  # "Washington Street, in Brighton"
                return key
        more = re.search(r"For more streets, press (\d)", text)  # the next four streets
        none = re.search(r"none of these, press (\d)", text)
        found = more or none
        return found.group(1) if found else "9"

    def _answer_question(self, text: str) -> Action | None:
        """The service menus and a service's questions, as a person with this problem."""
        options = [(name, key) for name, key in MENU_OPTION.findall(text) if name != "more choices"]
        if options:
            wanted, thing = set(self.problem.menu_words), set(words(self.problem.thing))
            scored = [
                (len(wanted & set(words(name))) + 2 * len(thing & set(words(name))), key)
                for name, key in options
            ]  # the problem's own word ("pothole") counts most
            best, key = max(scored, key=lambda pair: pair[0])
            more = re.search(r"more choices, press (\d)", text)
            if best == 0 and more:
                return Press(more.group(1))
            return Press(key if best else options[0][1])
        if "Press 1 for yes, 2 for no" in text:  # one value of a list: is it this?
            offered = YES_NO_VALUE.search(text)
            if offered and set(words(self.problem.thing)) & set(words(offered.group(1))):
                return Press("1")  # the thing they are calling about: always yes
            return Press(self._random.choice("12"))
        if "To skip this question, press star" in text:
            return Press("*")
        if "Enter the number, then press pound" in text:
            return Press(f"{self._random.randint(1, 5)}#")
        if "oprima nueve" in text or "press nine" in text:
            return Silence()  # the language offer: this caller speaks English
        return None
