"""``ivr models list`` and ``ivr models download NAME``."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import click
import httpx

from speech.errors import ModelError
from speech.models import (
    KNOWN_MODELS,
    KNOWN_WHISPER,
    MB,
    WhisperDownload,
    download_model,
    download_whisper,
    installed,
    known_model,
    known_whisper,
)


def _models_dir(given: Path | None) -> Path:
    if given is not None:
        return given
    from ivr.settings import Settings

    return Path(Settings.from_env().models_dir)


@click.group()
def models() -> None:
    """Speech models (Vosk, faster-whisper): which are known, which are installed, download."""


@models.command("list")
@click.option("--dir", "folder", type=click.Path(path_type=Path), help="Models directory.")
def list_command(folder: Path | None) -> None:
    """Known models, their size and checksum, and which are installed."""
    models_dir = _models_dir(folder)
    present = installed(models_dir)
    click.echo(f"{'name':32} {'lang':12} {'size':>8}  {'grammars':8}  {'sha256':11}  installed")
    for model in KNOWN_MODELS:
        checksum = model.sha256[:10] if model.sha256 else "unpublished"
        mark = str(present[model.name]) if model.name in present else "-"
        words = "yes" if model.grammars else "no"
        click.echo(
            f"{model.name:32} {model.language:12} {model.size_mb:>6}MB  {words:8}  "
            f"{checksum:11}  {mark}"
        )
    for whisper in KNOWN_WHISPER:
        mark = str(present[whisper.name]) if whisper.name in present else "-"
        click.echo(
            f"{whisper.name:32} {whisper.languages:12} {whisper.size_mb:>6}MB  {'prompt':8}  "
            f"{'manifest':11}  {mark}"
        )
    known = {m.name for m in KNOWN_MODELS} | {m.name for m in KNOWN_WHISPER}
    for name, path in present.items():
        if name not in known:
            click.echo(f"{name:32} {'?':12} {'':>8}  {'':8}  {'':11}  {path}")


@models.command("download")
@click.argument("name")
@click.option("--dir", "folder", type=click.Path(path_type=Path), help="Models directory.")
@click.option(
    "--url",
    default="",
    help="Download from this mirror instead of alphacephei.com (a Whisper model: the folder "
    "URL holding its files, instead of huggingface.co).",
)
@click.option("--sha256", default="", help="Expected SHA-256 of a Vosk zip (verified).")
@click.option("--timeout", default=30.0, show_default=True, help="Network timeout, seconds.")
def download_command(name: str, folder: Path | None, url: str, sha256: str, timeout: float) -> None:
    """Download model NAME, verify it, unpack it safely into the models directory."""
    whisper = known_whisper(name)
    if whisper is not None:
        _download_whisper(replace(whisper, url=url or whisper.url), folder, timeout)
        return
    try:
        model = known_model(name)
        if url or sha256:
            model = replace(model, url=url or model.url, sha256=sha256 or model.sha256)
        with httpx.Client(timeout=timeout, follow_redirects=True) as client:
            done = download_model(model, _models_dir(folder), client)
    except ModelError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"installed {done.path} ({done.bytes / MB:.1f} MB)")
    if done.verified:
        click.echo(f"sha256 {done.sha256} verified")
    else:
        click.echo(f"sha256 {done.sha256} (no published checksum: compare it with a trusted copy)")
    click.echo(f"use it with: IVR_RECOGNIZER=vosk IVR_VOSK_MODEL={done.path}")


def _download_whisper(model: WhisperDownload, folder: Path | None, timeout: float) -> None:
    try:
        with httpx.Client(timeout=timeout, follow_redirects=True) as client:
            done = download_whisper(model, _models_dir(folder), client)
    except ModelError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"installed {done.path} ({done.bytes / MB:.1f} MB)")
    click.echo(f"model.bin sha256 {done.sha256}; every file's digest is in its manifest")
    click.echo(f"use it with: IVR_RECOGNIZER=whisper IVR_WHISPER_MODEL={done.path}")
