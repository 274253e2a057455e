"""Recordings of simulated calls, served over HTTP on 127.0.0.1 where Twilio would serve them.

Twilio keeps a ``<Record>`` recording at
``https://api.twilio.com/2010-04-01/Accounts/{AccountSid}/Recordings/{RecordingSid}`` and
answers that URL (and the same with ``.wav``) with a WAV file. :class:`MediaServer` serves the
same paths from a local thread, so a gateway fetches a simulated recording exactly as it would
fetch a real one. A caller's WAV is served as given; spoken words without audio become
8 kHz 16-bit mono silence of the time the words take to say.
"""

from __future__ import annotations

import io
import re
import threading
import wave
from collections.abc import Iterable
from types import TracebackType
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

TELEPHONE_RATE = 8000
_PATH = re.compile(
    r"^/2010-04-01/Accounts/(?P<account>AC[0-9a-f]{32})/Recordings/(?P<sid>RE[0-9a-f]{32})"
    r"(?P<ext>\.wav)?$"
)


class ScriptAudioError(ValueError):
    """A file the caller's script names is not a WAV the simulator can play."""


def silence_wav(seconds: float, rate: int = TELEPHONE_RATE) -> bytes:
    """A mono 16-bit WAV of silence lasting ``seconds``."""
    frames = max(0, round(seconds * rate))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\x00\x00" * frames)
    return buffer.getvalue()


def spoken_recording(words: str, seconds_if_silent: float) -> tuple[bytes, str]:
    """What a caller's ``say`` leaves in a ``<Record>``: the words synthesised (flite's rms
    voice) down a simulated phone line, as a gateway that recognises speech itself needs; or,
    with no synthesiser installed, silence as long as the words. Also says which it was."""
    from speech.audio import encode_wav
    from speech.channel import telephone
    from speech.errors import SpeechError
    from speech.synthesis import synthesize

    try:
        return encode_wav(telephone(synthesize(words, voice="flite:rms"))), "the words, by flite"
    except (SpeechError, OSError):
        return silence_wav(seconds_if_silent), "silence as long as the words (no flite)"


def wav_duration(data: bytes) -> float:
    """Seconds of audio in a WAV file."""
    try:
        with wave.open(io.BytesIO(data), "rb") as audio:
            return audio.getnframes() / audio.getframerate()
    except (wave.Error, EOFError) as error:
        raise ScriptAudioError(f"not a PCM WAV file: {error}") from None


def truncate_wav(data: bytes, seconds: float) -> bytes:
    """The first ``seconds`` of a WAV file, as Twilio keeps at most ``maxLength`` seconds."""
    try:
        with wave.open(io.BytesIO(data), "rb") as audio:
            params = audio.getparams()
            frames = audio.readframes(round(seconds * audio.getframerate()))
    except (wave.Error, EOFError) as error:
        raise ScriptAudioError(f"not a PCM WAV file: {error}") from None
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setparams(params)
        out.writeframes(frames)
    return buffer.getvalue()


class _QuietHandler(WSGIRequestHandler):
    """Werkzeug's handler without its access log, which would interleave with transcripts."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class MediaServer:
    """Serves recordings on 127.0.0.1 from a daemon thread; a context manager."""

    def __init__(self, port: int = 0, *, auth_token: str = "", not_ready: int = 0) -> None:
        """``auth_token``: require HTTP Basic auth (account SID, this token), as Twilio does
        when a project enforces authentication on media URLs. ``not_ready``: answer 404 to the
        first ``not_ready`` fetches of each recording, as Twilio does until it is stored."""
        self._auth_token = auth_token
        self._not_ready = not_ready
        self._misses: dict[str, int] = {}
        self.requests: list[str] = []  # every path asked for, answered or not
        self._recordings: dict[str, tuple[str, bytes]] = {}
        self._lock = threading.Lock()
        self._server = make_server(
            "127.0.0.1", port, self._wsgi, threaded=True, request_handler=_QuietHandler
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.fetches: list[str] = []  # recording SIDs in the order they were fetched

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def start(self) -> MediaServer:
        self._thread.start()
        return self

    def close(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()

    def __enter__(self) -> MediaServer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def store(self, account_sid: str, recording_sid: str, wav: bytes) -> str:
        """Keep a recording; returns its URL, without extension as Twilio's ``RecordingUrl``."""
        with self._lock:
            self._recordings[recording_sid] = (account_sid, wav)
        return f"{self.base_url}/2010-04-01/Accounts/{account_sid}/Recordings/{recording_sid}"

    def recording(self, recording_sid: str) -> bytes | None:
        with self._lock:
            kept = self._recordings.get(recording_sid)
        return kept[1] if kept else None

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        response = self._answer(request)
        return response(environ, start_response)

    def _answer(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return Response("method not allowed\n", status=405, mimetype="text/plain")
        match = _PATH.match(request.path)
        with self._lock:
            kept = self._recordings.get(match["sid"]) if match else None
            self.requests.append(request.path)
        if match is None or kept is None or kept[0] != match["account"]:
            return Response("no such recording\n", status=404, mimetype="text/plain")
        if self._auth_token:
            auth = request.authorization
            if auth is None or (auth.username, auth.password) != (kept[0], self._auth_token):
                return Response("authenticate\n", status=401, mimetype="text/plain")
        with self._lock:
            misses = self._misses.get(match["sid"], 0)
            if misses < self._not_ready:
                self._misses[match["sid"]] = misses + 1
                return Response("not stored yet\n", status=404, mimetype="text/plain")
        if request.method == "GET":
            with self._lock:
                self.fetches.append(match["sid"])
        return Response(kept[1], mimetype="audio/x-wav")
