"""The `motcua` command: up (whole system), serve (one service), migrate, user, device, nats-config, vietqr."""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from dataclasses import replace
from typing import TYPE_CHECKING, Any, AsyncIterator, Callable

from services import admin_cli, vietqr_cli
from services.config import ConfigError, Settings
from services.embedded import EmbeddedError
from services.launcher import LaunchError
from services.messages import ServiceError

if TYPE_CHECKING:
    from services.accounts.seed import DemoAccess

log = logging.getLogger("motcua")


def _stop_signal() -> asyncio.Event:
    """An event set by Ctrl-C (SIGINT) or SIGTERM, from now on."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


async def _until_signal() -> None:
    await _stop_signal().wait()


async def _up(settings: Settings, demo: bool, one_process: bool) -> None:
    if one_process:
        await _up_in_one_process(settings, demo)
    else:
        await _up_across_processes(settings, demo)


async def _up_across_processes(settings: Settings, demo: bool) -> None:
    """The embedded servers here; ticketing, the other services and the web workers as supervised children."""
    from services import launcher, runstate
    from services.accounts.seed import seed_demo_access
    from services.identity.service import face_problem
    from services.system import bus_connection, database, embedded_defaults

    stop = _stop_signal()            # from the first moment: a stop during the start stops what was started

    async def start(settings: Settings) -> tuple[launcher.Launcher, "DemoAccess | None"]:
        async with database(settings) as pool:                    # migrations, once, before any child
            access = None

            async def seed() -> None:
                nonlocal access
                if demo:
                    from services.demo import seed_demo
                    async with bus_connection(settings, "system") as bus:
                        await seed_demo(bus)
                    access = await seed_demo_access(pool, settings.home, settings.demo_password)

            children = await launcher.run_children(settings, port, seed)
        return children, access

    async with embedded_defaults(settings) as settings:
        port = settings.port or launcher.free_port(settings.host)
        base = f"http://{settings.host}:{port}"
        faces = asyncio.create_task(asyncio.to_thread(face_problem, settings, probe=True))
        starting = asyncio.create_task(start(settings))
        stopped = asyncio.create_task(stop.wait())
        await asyncio.wait({starting, stopped}, return_when=asyncio.FIRST_COMPLETED)
        if not starting.done():
            print("Đang dừng / stopping…", flush=True)
            starting.cancel()                                     # run_children stops the children it started
            with contextlib.suppress(asyncio.CancelledError):
                await starting
            return
        stopped.cancel()
        children, access = starting.result()
        try:
            runstate.write(settings.home, nats_url=settings.nats_url, database_url=settings.database_url, web=base,
                           children=children.pids())
            _banner(base, await faces, access)
            await stop.wait()
            print("Đang dừng / stopping…", flush=True)
        finally:
            await children.stop()
            runstate.clear(settings.home)


async def _up_in_one_process(settings: Settings, demo: bool) -> None:
    """Everything in this process (`motcua up --one-process`: a small machine, or a debugger)."""
    from services import runstate
    from services.identity.service import stop_worker_helpers
    from services.system import whole_system

    async with whole_system(settings, demo=demo, probe_faces=True) as running:
        runstate.write(settings.home, nats_url=running.settings.nats_url,
                       database_url=running.settings.database_url, web=running.base_url)
        try:
            _banner(running.base_url, running.face_problem, running.demo)
            await _until_signal()
            print("Đang dừng / stopping…", flush=True)
        finally:
            runstate.clear(settings.home)
    stop_worker_helpers()


def _banner(base: str, faces: tuple[str, str] | None, demo: "DemoAccess | None") -> None:
    print(f"motcua đang chạy / is running at {base}", flush=True)
    _print_faces(faces)
    print(f"  Kiểm tra / health:      {base}/healthz", flush=True)
    print(f"  API:                    {base}/api/openapi.json", flush=True)
    print(f"  Đăng nhập / staff login: {base}/login", flush=True)
    if demo is not None:
        _print_demo(base, demo)
    print("Nhấn Ctrl-C để dừng / press Ctrl-C to stop", flush=True)


def _print_faces(problem: tuple[str, str] | None) -> None:
    """Whether citizens can be identified by face; if not, why, and that everything else runs."""
    if problem is None:
        print("  Nhận diện khuôn mặt / face recognition: sẵn sàng / ready", flush=True)
        return
    print(f"  CẢNH BÁO / WARNING: {problem[0]}", flush=True)
    print(f"                      {problem[1]}", flush=True)
    print("  Các chức năng khác vẫn chạy; nhận diện khuôn mặt trả lời 503 / everything else runs; face "
          "identification answers 503 (ID card reading still works)", flush=True)


def _print_demo(base: str, demo: "DemoAccess") -> None:
    from services.api.accounts import device_link

    where = "MOTCUA_DEMO_PASSWORD" if not demo.password_generated else "ngẫu nhiên / random"
    print(f"  Tài khoản mẫu / demo accounts: {', '.join(demo.users)}", flush=True)
    print(f"  Mật khẩu / password ({where}): {demo.password}", flush=True)
    names = {"kiosk": "Kiosk lấy số / kiosk", "display": "Màn hình sảnh / board", "tablet": "Máy đánh giá / tablet"}
    for kind, device in demo.devices.items():
        link = device_link({"office": "demo", "kind": kind, "counter": "1", "token": device["token"]})
        print(f"  {names[kind]:<28} {base}{link}", flush=True)
        if kind == "tablet":                 # the same tablet faces the citizen when a fee is asked
            print(f"  {'Màn hình thanh toán / pay':<28} {base}/counter/demo/1/pay#device={device['token']}", flush=True)
    print(f"  Quầy 1 / counter 1 (canbo1): {base}/counter/demo/1", flush=True)
    print(f"  Cài đặt văn phòng / office settings (quanly): {base}/manage/demo/settings", flush=True)
    print("  Lãnh đạo tỉnh / province manager (lanhdaotinh): số liệu các văn phòng của Tỉnh Demo / figures of the "
          "offices of Tỉnh Demo", flush=True)


@contextlib.asynccontextmanager
async def _required(settings: Settings, *names: str) -> AsyncIterator[None]:
    missing = [n for n, v in (("NATS_URL", settings.nats_url), ("DATABASE_URL", settings.database_url))
               if n in names and not v]
    if missing:
        raise ConfigError(f"Cần đặt {', '.join(missing)} cho 'motcua serve' / 'motcua serve' needs {', '.join(missing)}")
    yield


async def _serve(settings: Settings, service: str) -> None:
    from services.accounts.service import run_accounts
    from services.identity.service import run_identity, stop_worker_helpers
    from services.payment.service import run_payment
    from services.system import bus_connection, database, web_server
    from services.ticketing.service import run_ticketing
    from services.web import build_web_app

    if service == "ticketing":
        async with _required(settings, "NATS_URL", "DATABASE_URL"), database(settings) as pool, \
                bus_connection(settings, "ticketing") as bus, run_ticketing(bus, pool):
            print("ticketing: sẵn sàng / ready", flush=True)
            await _until_signal()
    elif service == "accounts":
        async with _required(settings, "NATS_URL", "DATABASE_URL"), database(settings) as pool, \
                bus_connection(settings, "accounts") as bus, run_accounts(bus, pool, settings):
            print("accounts: sẵn sàng / ready", flush=True)
            await _until_signal()
    elif service == "payment":
        async with _required(settings, "NATS_URL", "DATABASE_URL"), database(settings) as pool, \
                bus_connection(settings, "payment") as bus, run_payment(bus, pool, settings):
            print("payment: sẵn sàng / ready", flush=True)
            await _until_signal()
    elif service in ("feedback", "stats"):
        from services.feedback.service import run_feedback
        from services.stats.service import run_stats
        run = run_feedback if service == "feedback" else run_stats
        async with _required(settings, "NATS_URL", "DATABASE_URL"), database(settings) as pool, \
                bus_connection(settings, service) as bus, run(bus, pool):
            print(f"{service}: sẵn sàng / ready", flush=True)
            await _until_signal()
    elif service == "services":                 # every service but ticketing and the web front, in one process
        from services.feedback.service import run_feedback
        from services.stats.service import run_stats
        async with _required(settings, "NATS_URL", "DATABASE_URL"), contextlib.AsyncExitStack() as stack:
            pool = await stack.enter_async_context(database(settings))

            async def connect(name: str):  # type: ignore[no-untyped-def]
                return await stack.enter_async_context(bus_connection(settings, name))
            await stack.enter_async_context(run_accounts(await connect("accounts"), pool, settings))
            identity = await stack.enter_async_context(
                run_identity(await connect("identity"), pool, settings, probe=False, warm_up=True))
            await stack.enter_async_context(run_payment(await connect("payment"), pool, settings))
            await stack.enter_async_context(run_feedback(await connect("feedback"), pool))
            await stack.enter_async_context(run_stats(await connect("stats"), pool))
            print("services: sẵn sàng / ready", flush=True)
            if identity.faces.problem is not None:
                log.warning("faces: %s / %s", *identity.faces.problem)
            await _until_signal()
        stop_worker_helpers()
    elif service == "identity":
        async with _required(settings, "NATS_URL", "DATABASE_URL"), database(settings) as pool, \
                bus_connection(settings, "identity") as bus, \
                run_identity(bus, pool, settings, probe=True, warm_up=True) as identity:
            print("identity: sẵn sàng / ready", flush=True)
            _print_faces(identity.faces.problem)
            await _until_signal()
        stop_worker_helpers()
    elif service == "web":
        async with _required(settings, "NATS_URL"), bus_connection(settings, "web") as bus, \
                web_server(build_web_app(bus), settings.host, settings.port, settings) as port:
            print(f"web: http://{settings.host}:{port}", flush=True)
            await _until_signal()


async def _migrate(settings: Settings) -> None:
    from services.system import database

    async with _required(settings, "DATABASE_URL"), database(settings):
        print("Đã cập nhật cơ sở dữ liệu / database is up to date", flush=True)


def _allow_many_connections() -> None:
    """Each phone and board keeps a connection open: raise the open-file limit to what the system allows."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard if hard != resource.RLIM_INFINITY else 65536, hard))


def _run(main: Any, loop: str) -> Any:
    """asyncio.run on uvloop where it is installed (MOTCUA_LOOP=asyncio keeps the standard loop)."""
    if loop == "uvloop":
        with contextlib.suppress(ImportError):
            import uvloop
            return uvloop.run(main)
    return asyncio.run(main)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="motcua", description="Hệ thống xếp hàng Một cửa / one-stop queue system")
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="chạy toàn bộ hệ thống / run the whole system")
    up.add_argument("--host")
    up.add_argument("--port", type=int)
    up.add_argument("--demo", action="store_true", help="tạo văn phòng mẫu 'demo' / seed the demo office")
    serve = sub.add_parser("serve", help="chạy một dịch vụ / run one service")
    up.add_argument("--one-process", action="store_true",
                    help="mọi thứ trong một tiến trình / everything in one process (small machines, debugging)")
    serve.add_argument("service", choices=["ticketing", "accounts", "identity", "payment", "feedback", "stats",
                                           "services", "web"],
                       help="'services': mọi dịch vụ trừ ticketing và web / every service but ticketing and web")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    sub.add_parser("migrate", help="cập nhật cơ sở dữ liệu / apply database migrations")
    admin_cli.add_parsers(sub)
    nats = sub.add_parser("nats-config", help="cấu hình quyền NATS cho triển khai / NATS permissions for production")
    nats.add_argument("--prefix", default="motcua")
    vietqr_cli.add_parser(sub)
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.command == "vietqr":        # pure: needs no configuration
        return vietqr_cli.run(args)
    _allow_many_connections()
    try:
        settings = Settings.from_env()
        overrides = {k: v for k in ("host", "port") if (v := getattr(args, k, None)) is not None}
        settings = replace(settings, **overrides)
        settings.validate()
        if args.command == "nats-config":
            from services import nats_auth
            stream = f"{args.prefix.upper().replace('-', '_')}_EVENTS"
            print(nats_auth.server_config(args.prefix, stream, {u: "$" + nats_auth.env_name(u) for u in nats_auth.USERS}),
                  end="")
            return 0
        if args.command in ("user", "device"):
            return _run(admin_cli.run(args, settings), settings.event_loop)
        runners: dict[str, Callable[[], object]] = {
            "up": lambda: _up(settings, args.demo, args.one_process),
            "serve": lambda: _serve(settings, getattr(args, "service", "")),
            "migrate": lambda: _migrate(settings),
        }
        _run(runners[args.command](), settings.event_loop)  # type: ignore[arg-type]
    except (ConfigError, EmbeddedError, ConnectionError, LaunchError, ServiceError) as exc:
        print(f"motcua: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
