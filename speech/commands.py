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
        lines = ProgressLines()
        with _client(timeout, lines) as client:
            done = download_model(model, _models_dir(folder), client, progress=lines.advance)
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
        lines = ProgressLines()
        with _client(timeout, lines) as client:
            done = download_whisper(model, _models_dir(folder), client, progress=lines.advance)
    except ModelError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"installed {done.path} ({done.bytes / MB:.1f} MB)")
    click.echo(f"model.bin sha256 {done.sha256}; every file's digest is in its manifest")
    click.echo(f"use it with: IVR_RECOGNIZER=whisper IVR_WHISPER_MODEL={done.path}")


def _client(timeout: float, lines: ProgressLines) -> httpx.Client:
    """The client of a download; each file's answer starts its progress lines."""
    return httpx.Client(
        timeout=timeout, follow_redirects=True, event_hooks={"response": [lines.file_started]}
    )


class ProgressLines:
    """Progress of a download as lines on standard error (a terminal, a container's log or a
    CI job shows them alike): a line when each file starts, with its size when the server
    announces it, then one at every tenth of it (every 50 MB when the size is not known)."""

    STEPS = 10
    UNKNOWN_STEP = 50 * MB

    def __init__(self) -> None:
        self.file = ""
        self.length: int | None = None
        self.shown = 0  # steps already shown of the current file

    def file_started(self, response: httpx.Response) -> None:
        if response.status_code != 200:
            return  # a redirect, or an error the download reports itself
        self.file = response.url.path.rsplit("/", 1)[-1] or str(response.url)
        announced = response.headers.get("content-length", "")
        self.length = int(announced) if announced.isdecimal() else None
        self.shown = 0
        size = f"{self.length / MB:.1f} MB" if self.length is not None else "size not announced"
        click.echo(f"{self.file}: {size}, from {response.url}", err=True)

    def advance(self, size: int) -> None:
        """``size`` bytes of the current file are in."""
        if self.length:
            step = min(self.STEPS, size * self.STEPS // self.length)
            if step > self.shown:
                self.shown = step
                click.echo(
                    f"{self.file}: {step * 100 // self.STEPS:>3}%  "
                    f"{size / MB:.1f} of {self.length / MB:.1f} MB",
                    err=True,
                )
        elif size // self.UNKNOWN_STEP > self.shown:
            self.shown = size // self.UNKNOWN_STEP
            click.echo(f"{self.file}: {size / MB:.1f} MB so far", err=True)
