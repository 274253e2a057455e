"""Where a public map opens, and which hosts its tiles come from (for the pages' CSP)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_ZOOM = 19


@dataclass(frozen=True)
class MapView:
    """The centre and zoom a map opens at (``IVR_MAP_CENTER``: ``latitude,longitude,zoom``)."""

    lat: float
    long: float
    zoom: int

    @classmethod
    def parse(cls, text: str) -> MapView:
        """``"42.36,-71.06,13"`` → a view; ValueError naming what is wrong."""
        parts = [part.strip() for part in text.split(",")]
        if len(parts) != 3:
            raise ValueError("must be latitude,longitude,zoom")
        try:
            lat, long = float(parts[0]), float(parts[1])
        except ValueError:
            raise ValueError("latitude and longitude must be numbers") from None
        try:
            zoom = int(parts[2])
        except ValueError:
            raise ValueError("zoom must be a whole number") from None
        if not (-90 <= lat <= 90) or not (-180 <= long <= 180):
            raise ValueError("latitude must be within ±90 and longitude within ±180")
        if not 0 <= zoom <= MAX_ZOOM:
            raise ValueError(f"zoom must be between 0 and {MAX_ZOOM}")
        return cls(lat=lat, long=long, zoom=zoom)


def tile_source(tile_url: str) -> str:
    """The CSP source that allows ``tile_url``'s images (``{s}`` subdomains become ``*``).

    ``https://{s}.tile.example.org/{z}/{x}/{y}.png`` → ``https://*.tile.example.org``. A URL
    without a scheme and host (tiles served by the gateway itself) needs no source: ``""``.
    """
    parts = urlsplit(tile_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    host = parts.netloc.replace("{s}", "*")
    if "{" in host or "}" in host or " " in host or ";" in host:
        return ""
    return f"{parts.scheme}://{host}"
