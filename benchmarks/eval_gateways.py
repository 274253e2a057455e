"""The gateway each city's evaluated calls go to: in the evaluation's own process, or ``ivr
serve`` as a city runs it (``speech_calls_eval.py --serve``), on a store holding that city's
address points."""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from benchmarks.bare_server import free_port
from benchmarks.storm_servers import TreeSampler, TreeUsage, gateway_env
from benchmarks.storm_servers import running_gateway as serve_process
from ivr.settings import PACKAGE_DATA
from ivr.simulator import MediaServer
from ivr.store.db import make_engine, make_sessionmaker
from tests.calls.phone import AUTH_TOKEN, Gateway, prepared_store, running_gateway

USAGE: list[TreeUsage] = []  # with --serve: the CPU and memory of each city's ivr serve


@dataclass(frozen=True)
class City:
    name: str
    addresses: Path
    neighbourhoods: Path | None  # postal code → district; None: read-backs say the ZIP code
    geocoder_city: str
    region: str


CITIES = {
    "boston": City(
        "boston",
        PACKAGE_DATA / "boston-addresses.csv",
        PACKAGE_DATA / "boston-neighbourhoods.csv",
        "Boston",
        "MA",
    ),
    "miami": City("miami", PACKAGE_DATA / "miami-addresses.csv", None, "Miami", "FL"),
}


@contextmanager
def city_gateway(city: City, args: argparse.Namespace, folder: Path) -> Iterator[Gateway]:
    began = time.perf_counter()
    url = f"sqlite:///{folder / f'{city.name}.db'}"
    if city.name == "boston":
        store = prepared_store(url)
    else:
        store = prepared_store(url, gazetteer_file=city.addresses)
    with MediaServer(auth_token=AUTH_TOKEN) as media:
        if args.serve:
            live = served_gateway(store, city, args, folder, media)
        else:
            live = running_gateway(
                store,
                media=media,
                recognizer=args.recognizer,
                geocoder_city=city.geocoder_city,
                geocoder_region=city.region,
            )
        with live as gateway:
            print(f"{city.name}: gateway ready in {time.perf_counter() - began:.1f} s", flush=True)
            yield gateway


@contextmanager
def served_gateway(
    store: str, city: City, args: argparse.Namespace, folder: Path, media: MediaServer
) -> Iterator[Gateway]:
    """``ivr serve`` on ``store``, as a city runs it (a web process, recognition worker
    processes), with the evaluation's settings; its tree's CPU and memory go in ``USAGE``."""
    port = free_port()
    env = gateway_env(store, port, AUTH_TOKEN, media.base_url.removeprefix("http://"))
    env.update(
        IVR_RECOGNIZER=args.recognizer,
        IVR_GEOCODER_CITY=city.geocoder_city,
        IVR_GEOCODER_REGION=city.region,
        IVR_DUPLICATE_RADIUS_METRES="0",  # the caller is not offered a neighbour's report
        IVR_MODELS_DIR=str(folder / "models"),  # street models built once for both cities
    )
    env.update(setting.split("=", 1) for setting in args.setting)  # --setting IVR_NAME=VALUE
    work = folder / f"serve-{city.name}"
    work.mkdir(exist_ok=True)
    with (
        serve_process(env, port, work) as pid,
        httpx.Client(timeout=60) as http,
    ):
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 300
        while http.get(f"{base}/readyz").status_code != 200:  # the recognisers are warm
            if time.monotonic() > deadline:
                raise SystemExit(f"ivr serve was not ready in 300 s; see {work / 'serve.log'}")
            time.sleep(0.5)
        sampler = TreeSampler(pid)
        sampler.start()
        engine = make_engine(store)
        try:
            yield Gateway(base, make_sessionmaker(engine), http, media)
        finally:
            USAGE.append(sampler.stop())
            engine.dispose()
