"""The `motcua` command: up (whole system), serve (one service), migrate."""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from dataclasses import replace
from typing import AsyncIterator, Callable

from services.config import ConfigError, Settings
from services.embedded import EmbeddedError

log = logging.getLogger("motcua")


async def _until_signal() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def _up(settings: Settings, demo: bool) -> None:
    from services.system import whole_system

    async with whole_system(settings, demo=demo) as running:
        base = running.base_url
        print(f"motcua đang chạy / is running at {base}", flush=True)
        print(f"  Kiểm tra / health:      {base}/healthz", flush=True)
        print(f"  API:                    {base}/api/openapi.json", flush=True)
        if demo:
            print(f"  Kiosk lấy số:           {base}/kiosk/demo", flush=True)
            print(f"  Quầy 1 / counter 1:     {base}/counter/demo/1", flush=True)
            print(f"  Màn hình sảnh / board:  {base}/display/demo", flush=True)
        print("Nhấn Ctrl-C để dừng / press Ctrl-C to stop", flush=True)
        await _until_signal()
        print("Đang dừng / stopping…", flush=True)


@contextlib.asynccontextmanager
async def _required(settings: Settings, *names: str) -> AsyncIterator[None]:
    missing = [n for n, v in (("NATS_URL", settings.nats_url), ("DATABASE_URL", settings.database_url))
               if n in names and not v]
    if missing:
        raise ConfigError(f"Cần đặt {', '.join(missing)} cho 'motcua serve' / 'motcua serve' needs {', '.join(missing)}")
    yield


async def _serve(settings: Settings, service: str) -> None:
    from services.system import bus_connection, database, web_server
    from services.ticketing.service import run_ticketing
    from services.web import build_web_app

    if service == "ticketing":
        async with _required(settings, "NATS_URL", "DATABASE_URL"), database(settings) as pool, \
                bus_connection(settings, "ticketing") as bus, run_ticketing(bus, pool):
            print("ticketing: sẵn sàng / ready", flush=True)
            await _until_signal()
    elif service == "web":
        async with _required(settings, "NATS_URL"), bus_connection(settings, "web") as bus, \
                web_server(build_web_app(bus), settings.host, settings.port) as port:
            print(f"web: http://{settings.host}:{port}", flush=True)
            await _until_signal()


async def _migrate(settings: Settings) -> None:
    from services.system import database

    async with _required(settings, "DATABASE_URL"), database(settings):
        print("Đã cập nhật cơ sở dữ liệu / database is up to date", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="motcua", description="Hệ thống xếp hàng Một cửa / one-stop queue system")
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="chạy toàn bộ hệ thống / run the whole system")
    up.add_argument("--host")
    up.add_argument("--port", type=int)
    up.add_argument("--demo", action="store_true", help="tạo văn phòng mẫu 'demo' / seed the demo office")
    serve = sub.add_parser("serve", help="chạy một dịch vụ / run one service")
    serve.add_argument("service", choices=["ticketing", "web"])
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    sub.add_parser("migrate", help="cập nhật cơ sở dữ liệu / apply database migrations")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings.from_env()
        overrides = {k: v for k in ("host", "port") if (v := getattr(args, k, None)) is not None}
        settings = replace(settings, **overrides)
        settings.validate()
        runners: dict[str, Callable[[], object]] = {
            "up": lambda: _up(settings, args.demo),
            "serve": lambda: _serve(settings, getattr(args, "service", "")),
            "migrate": lambda: _migrate(settings),
        }
        asyncio.run(runners[args.command]())  # type: ignore[arg-type]
    except (ConfigError, EmbeddedError, ConnectionError) as exc:
        print(f"motcua: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
