"""``ivr transcribe FILE.wav``: what the gateway hears in a recording, engine by engine.

A city checks its own line with it: record a call's address (or take a recording from Twilio's
console), and see each engine's transcript, the reading the gateway chose, the confidence gate,
and the place the gazetteer (or the remote geocoder ``IVR_GEOCODER`` names) found. The
transcriber is the one the gateway runs (:func:`ivr.recordings.transcription.transcriber_for`,
built by the runtime), so the command hears exactly what a call would.

What was said is printed to the operator's terminal, never logged.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ivr.cli_settings import load_runtime
from ivr.recordings.marks import AUTOMATIC

if TYPE_CHECKING:
    from ivr.recordings.hearing import Heard
    from ivr.runtime import Runtime

PURPOSES = {"address": "streets", "street": "street_names", "description": "free"}


@click.command("transcribe")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--for",
    "purpose",
    type=click.Choice(sorted(PURPOSES)),
    default="address",
    show_default=True,
    help="What the caller was asked for: an address, a street alone, or a description.",
)
@click.option(
    "--language",
    type=click.Choice(["en", "es"]),
    default="en",
    show_default=True,
    help="The call's language.",
)
@click.option("--house-number", default="", help="For --for street: the number the caller keyed.")
def transcribe(file: Path, purpose: str, language: str, house_number: str) -> None:
    """Print each engine's transcript of FILE (a WAV recording), the reading chosen and the
    place it names."""
    from ivr.cli_errors import UnusableSettings
    from ivr.recordings.transcription import Transcriber
    from ivr.recordings.whisper_setting import unusable_whisper_model

    rt = load_runtime()
    problem = unusable_whisper_model(rt.settings)
    if problem is not None:  # as ivr serve refuses it: not heard by the fallback model
        raise UnusableSettings(problem)
    try:
        transcriber = rt.job_handlers.get("transcribe")
        if not isinstance(transcriber, Transcriber):
            raise click.ClickException(
                f"IVR_RECOGNIZER={rt.settings.recognizer}: recordings are not transcribed here"
            )
        context = {"house_number": house_number} if house_number else {}
        hearing = transcriber.hear(
            file.read_bytes(),
            grammar_name=PURPOSES[purpose],
            context=context,
            language=language,
            every_engine=True,
        )
        click.echo(f"engines: {hearing.engines or 'none'}")
        for heard in hearing.heard:
            _echo_heard(heard)
        if purpose != "description" and len(hearing.heard) > 1:
            from ivr.addresses.scoring import CONFIDENT_SCORE
            from ivr.recordings.readings import settled

            first = hearing.heard[:1]
            if settled(first, rt.resolver, confident_score=CONFIDENT_SCORE):
                click.echo(f"in a call, {first[0].engine} alone settles it: no other is asked")
        click.echo(f"result: {hearing.source}")
        chosen = hearing.chosen
        if chosen is not None:
            agreed = f", agreed by {', '.join(chosen.agreed_by)}" if chosen.agreed_by else ""
            click.echo(
                f"chosen: {chosen.text!r} from {chosen.engine} "
                f"(confidence {chosen.confidence:.2f} calibrated, {chosen.raw_confidence:.2f} "
                f"raw{agreed}; gate {rt.settings.min_address_confidence:.2f})"
            )
        if purpose != "description" and chosen is not None and hearing.source == AUTOMATIC:
            _echo_place(rt, chosen.text, language)
        click.echo(
            f"audio {hearing.audio_seconds:.2f} s, decoding {hearing.decode_seconds:.2f} s "
            "(all engines)"
        )
    finally:
        rt.engine.dispose()


def _echo_heard(heard: Heard) -> None:
    if heard.transcript is None:
        click.echo(f"{heard.engine}: failed ({heard.error})")
        return
    click.echo(f"{heard.engine} ({heard.seconds:.2f} s):")
    if not heard.transcript.alternatives:
        click.echo("   (nothing)")
    for alternative in heard.transcript.alternatives:
        click.echo(f"   {alternative.confidence:.2f}  {alternative.text}")


def _echo_place(rt: Runtime, text: str, language: str) -> None:
    from ivr.addresses.readback import speak_place

    results = rt.resolver.resolve(text)
    best = next((r for r in results if r.matched), None)
    if best is None or best.place is None:
        click.echo("place: not found")
        return
    place = best.place
    click.echo(
        f"place: {speak_place(place, language=language)} — {best.level.value}, score "
        f"{best.score:.2f}{', ambiguous' if best.ambiguous else ''}; lat {place.lat:.6f} "
        f"lon {place.lon:.6f} {place.postal_code}".rstrip()
    )
