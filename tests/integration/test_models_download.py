"""``ivr models download``: Vosk against a real HTTP server on 127.0.0.1 serving zips built
here; faster-whisper models against Hugging Face's URLs answered by ``httpx.MockTransport``."""

from __future__ import annotations

import hashlib
import io
import stat
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from ivr.cli import main
from speech.errors import ModelError
from speech.models import (
    KnownModel,
    WhisperDownload,
    download_model,
    download_whisper,
    installed,
    known_whisper,
)
from speech.whisper_models import MODEL_FILES as WHISPER_FILE_NAMES
from speech.whisper_models import check_directory, read_manifest
from tests.support.live_server import serve_wsgi

NAME = "vosk-model-small-en-us-0.15"
MODEL_FILES = {
    f"{NAME}/am/final.mdl": b"acoustic model",
    f"{NAME}/conf/mfcc.conf": b"--use-energy=false\n",
    f"{NAME}/graph/HCLr.fst": b"graph",
    f"{NAME}/graph/Gr.fst": b"grammar",
}


def build_zip(files: dict[str, bytes], links: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        for name, body in files.items():
            bundle.writestr(name, body)
        for name in links:
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            bundle.writestr(info, "/etc/passwd")
    return buffer.getvalue()


@pytest.fixture
def served() -> Iterator[Callable[[bytes], str]]:
    """A server whose /model.zip answers with the bytes last given; returns its URL."""
    body: dict[str, bytes] = {"zip": b""}

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        if environ["PATH_INFO"] != "/model.zip":
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not here"]
        start_response("200 OK", [("Content-Type", "application/zip")])
        return [body["zip"]]

    with serve_wsgi(app) as base:

        def serve(data: bytes) -> str:
            body["zip"] = data
            return f"{base}/model.zip"

        yield serve


def model_at(url: str, data: bytes) -> KnownModel:
    return KnownModel(NAME, "en-us", 1, sha256=hashlib.sha256(data).hexdigest(), url=url)


def test_a_model_is_downloaded_verified_and_installed(
    served: Callable[[bytes], str], tmp_path: Path
) -> None:
    data = build_zip(MODEL_FILES)
    with httpx.Client() as client:
        done = download_model(model_at(served(data), data), tmp_path, client)
    assert done.path == tmp_path / NAME
    assert done.verified and done.sha256 == hashlib.sha256(data).hexdigest()
    assert (done.path / "am" / "final.mdl").read_bytes() == b"acoustic model"
    assert installed(tmp_path) == {NAME: tmp_path / NAME}
    assert [p.name for p in tmp_path.iterdir()] == [NAME]  # no temporary files left


def test_the_cli_downloads_from_a_mirror_and_lists_it(
    served: Callable[[bytes], str], tmp_path: Path
) -> None:
    data = build_zip(MODEL_FILES)
    digest = hashlib.sha256(data).hexdigest()
    runner = CliRunner()
    args = ["models", "download", NAME, "--dir", str(tmp_path), "--url", served(data)]
    result = runner.invoke(main, [*args, "--sha256", digest])
    assert result.exit_code == 0, result.output
    assert f"sha256 {digest} verified" in result.output
    listing = runner.invoke(main, ["models", "list", "--dir", str(tmp_path)])
    line = next(row for row in listing.output.splitlines() if row.startswith(NAME))
    assert line.endswith(str(tmp_path / NAME))
    assert "vosk-model-small-ko-0.22" in listing.output


def test_a_wrong_checksum_installs_nothing(served: Callable[[bytes], str], tmp_path: Path) -> None:
    data = build_zip(MODEL_FILES)
    model = KnownModel(NAME, "en-us", 1, sha256="0" * 64, url=served(data))
    with httpx.Client() as client, pytest.raises(ModelError, match="checksum mismatch"):
        download_model(model, tmp_path, client)
    assert list(tmp_path.iterdir()) == []


def test_without_a_published_checksum_the_size_is_checked(
    served: Callable[[bytes], str], tmp_path: Path
) -> None:
    data = build_zip(MODEL_FILES)
    model = KnownModel(NAME, "en-us", 40, url=served(data))  # 40 MB published, a few bytes got
    with httpx.Client() as client, pytest.raises(ModelError, match="wrong size"):
        download_model(model, tmp_path, client)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("files", "links", "problem"),
    [
        ({"../evil.txt": b"x", **MODEL_FILES}, (), "unsafe path"),
        ({"/etc/evil.txt": b"x", **MODEL_FILES}, (), "unsafe path"),
        (MODEL_FILES, (f"{NAME}/am/link",), "symbolic link"),
        ({f"{NAME}/README": b"no model here"}, (), "does not hold a Vosk model"),
    ],
)
def test_an_unsafe_or_wrong_archive_is_refused(
    served: Callable[[bytes], str],
    tmp_path: Path,
    files: dict[str, bytes],
    links: tuple[str, ...],
    problem: str,
) -> None:
    data = build_zip(files, links)
    with httpx.Client() as client, pytest.raises(ModelError, match=problem):
        download_model(model_at(served(data), data), tmp_path, client)
    assert list(tmp_path.iterdir()) == []
    assert not Path("/etc/evil.txt").exists()


def test_an_archive_larger_than_the_limit_is_refused(
    served: Callable[[bytes], str], tmp_path: Path
) -> None:
    data = build_zip({**MODEL_FILES, f"{NAME}/big": b"\0" * 100_000})
    with httpx.Client() as client, pytest.raises(ModelError, match="more than 50000 bytes"):
        download_model(model_at(served(data), data), tmp_path, client, max_unpacked_bytes=50_000)
    assert list(tmp_path.iterdir()) == []


def test_not_a_zip_and_http_errors_are_clear(
    served: Callable[[bytes], str], tmp_path: Path
) -> None:
    page = b"<html>maintenance</html>"
    with httpx.Client() as client:
        with pytest.raises(ModelError, match="not a zip archive"):
            download_model(model_at(served(page), page), tmp_path, client)
        missing = served(page).replace("model.zip", "other.zip")
        with pytest.raises(ModelError, match="answered HTTP 404"):
            download_model(model_at(missing, page), tmp_path, client)


def test_an_unreachable_network_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["models", "download", NAME, "--dir", str(tmp_path), "--url", "http://127.0.0.1:9/m.zip"],
    )
    assert result.exit_code == 1
    assert "could not download http://127.0.0.1:9/m.zip: network unreachable" in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_an_unknown_model_name_lists_the_known_ones(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["models", "download", "vosk-model-xx", "--dir", str(tmp_path)]
    )
    assert result.exit_code == 1
    assert "unknown model 'vosk-model-xx'" in result.output
    assert NAME in result.output


WHISPER_FILES = {
    "config.json": b'{"alignment_heads": []}',
    "model.bin": b"\x01" * 900_000,
    "tokenizer.json": b"{}",
    "vocabulary.txt": b"a\nb\n",
}


def whisper(name: str) -> WhisperDownload:
    model = known_whisper(name)
    assert model is not None
    return model


def hugging_face(files: dict[str, bytes], seen: list[str]) -> httpx.MockTransport:
    """Hugging Face's resolve URLs for Systran/faster-whisper-tiny.en, answering ``files``."""
    prefix = "/Systran/faster-whisper-tiny.en/resolve/main/"

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        name = request.url.path.removeprefix(prefix)
        if request.url.host != "huggingface.co" or name not in files:
            return httpx.Response(404, text="Entry not found")
        return httpx.Response(200, content=files[name])

    return httpx.MockTransport(answer)


def test_a_whisper_model_is_downloaded_with_a_manifest_and_loads_checked(
    tmp_path: Path,
) -> None:
    model = replace(whisper("tiny.en"), size_mb=1)
    seen: list[str] = []
    with httpx.Client(transport=hugging_face(WHISPER_FILES, seen)) as client:
        done = download_whisper(model, tmp_path, client)
    target = tmp_path / "faster-whisper-tiny.en"
    assert done.path == target
    assert seen == [
        f"https://huggingface.co/Systran/faster-whisper-tiny.en/resolve/main/{name}"
        for name in WHISPER_FILE_NAMES
    ]
    assert {p.name for p in tmp_path.iterdir()} == {"faster-whisper-tiny.en"}
    assert (target / "model.bin").read_bytes() == WHISPER_FILES["model.bin"]
    manifest = read_manifest(target)
    assert manifest == {n: hashlib.sha256(b).hexdigest() for n, b in WHISPER_FILES.items()}
    assert installed(tmp_path) == {"faster-whisper-tiny.en": target}
    check_directory(target)  # as downloaded: accepted
    (target / "vocabulary.txt").write_bytes(b"changed\n")
    with pytest.raises(ModelError, match=r"vocabulary\.txt has SHA-256 [0-9a-f]{64}, expected"):
        check_directory(target)


def test_a_whisper_download_missing_a_file_or_of_the_wrong_size_installs_nothing(
    tmp_path: Path,
) -> None:
    model = replace(whisper("faster-whisper-tiny.en"), size_mb=1)
    partial = {k: v for k, v in WHISPER_FILES.items() if k != "tokenizer.json"}
    whole = httpx.Client(transport=hugging_face(WHISPER_FILES, []))
    with httpx.Client(transport=hugging_face(partial, [])) as client, whole:
        with pytest.raises(ModelError, match=r"tokenizer\.json answered HTTP 404"):
            download_whisper(model, tmp_path, client)
        published = replace(model, size_mb=75)
        with pytest.raises(ModelError, match="75 MB is published"):
            download_whisper(published, tmp_path, whole)
    assert list(tmp_path.iterdir()) == []


def test_a_whisper_download_without_network_is_a_message(tmp_path: Path) -> None:
    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("no route to host", request=request)

    model = whisper("small")
    assert model.size_mb == 484
    with (
        httpx.Client(transport=httpx.MockTransport(unreachable)) as client,
        pytest.raises(ModelError, match="network unreachable"),
    ):
        download_whisper(model, tmp_path, client)
    result = CliRunner().invoke(
        main,
        [
            "models",
            "download",
            "faster-whisper-small",
            "--dir",
            str(tmp_path),
            "--url",
            "http://127.0.0.1:9/small",
        ],
    )
    assert result.exit_code == 1
    assert "could not download http://127.0.0.1:9/small/config.json: network unreachable" in (
        result.output
    )
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_the_list_names_the_whisper_models_with_their_published_sizes(tmp_path: Path) -> None:
    listing = CliRunner().invoke(main, ["models", "list", "--dir", str(tmp_path)]).output
    for name, size in (("faster-whisper-tiny.en", 75), ("faster-whisper-medium", 1530)):
        line = next(row for row in listing.splitlines() if row.startswith(f"{name} "))
        assert f"{size}MB" in line
