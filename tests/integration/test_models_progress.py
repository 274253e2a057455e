"""``ivr models download`` shows its progress: a line when each file starts, with its size, and
lines as it comes in, from a real HTTP server on 127.0.0.1 (issue 13, finding 12)."""

from __future__ import annotations

import hashlib
import io
import os
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ivr.cli import main
from speech.whisper_models import MODEL_FILES as WHISPER_FILES
from tests.support.live_server import serve_wsgi

NAME = "vosk-model-small-en-us-0.15"


def vosk_zip() -> bytes:
    """A Vosk model of 2.5 MB, stored uncompressed so that it downloads in several chunks."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as bundle:
        bundle.writestr(f"{NAME}/am/final.mdl", os.urandom(2_500_000))
        bundle.writestr(f"{NAME}/conf/mfcc.conf", b"--use-energy=false\n")
    return buffer.getvalue()


@pytest.fixture
def mirror() -> Iterator[tuple[str, dict[str, bytes]]]:
    """A mirror answering each path it holds, with its Content-Length."""
    files: dict[str, bytes] = {}

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        body = files.get(environ["PATH_INFO"])
        if body is None:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not here"]
        start_response("200 OK", [("Content-Length", str(len(body)))])
        return [body]

    with serve_wsgi(app) as base:
        yield base, files


def test_a_vosk_download_shows_its_size_then_its_progress_to_the_end(
    mirror: tuple[str, dict[str, bytes]], tmp_path: Path
) -> None:
    base, files = mirror
    data = files["/model.zip"] = vosk_zip()
    result = CliRunner().invoke(
        main,
        [
            "models",
            "download",
            NAME,
            "--dir",
            str(tmp_path),
            "--url",
            f"{base}/model.zip",
            "--sha256",
            hashlib.sha256(data).hexdigest(),
        ],
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    size = f"{len(data) / 2**20:.1f}"
    assert lines[0] == f"model.zip: {size} MB, from {base}/model.zip"
    progress = [
        re.fullmatch(r"model\.zip: +(\d+)%  ([\d.]+) of ([\d.]+) MB", s) for s in lines[1:4]
    ]
    assert all(progress), lines
    percents = [int(match.group(1)) for match in progress if match]
    assert percents == sorted(percents) and percents[-1] == 100 and len(set(percents)) == 3
    assert lines[3] == f"model.zip: 100%  {size} of {size} MB"
    assert lines[4].startswith(f"installed {tmp_path / NAME} ")


def test_a_whisper_download_shows_each_file_as_it_starts(
    mirror: tuple[str, dict[str, bytes]], tmp_path: Path
) -> None:
    base, files = mirror
    for name in WHISPER_FILES:
        files[f"/small/{name}"] = b"{}" if name.endswith(".json") else b"x" * 1000
    result = CliRunner().invoke(
        main, ["models", "download", "small", "--dir", str(tmp_path), "--url", f"{base}/small"]
    )
    started = [line for line in result.output.splitlines() if ", from " in line]
    assert started == [
        f"{name}: {len(files[f'/small/{name}']) / 2**20:.1f} MB, from {base}/small/{name}"
        for name in WHISPER_FILES
    ]
    # Files this small are not the 484 MB published: the download stops with a sentence.
    assert result.exit_code == 1
    assert "484 MB is published" in result.output
    assert list(tmp_path.iterdir()) == []
