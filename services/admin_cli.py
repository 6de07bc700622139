"""`motcua user …` and `motcua device …`: accounts and devices from the shell.

They go through the running system's accounts service when there is one (so a revocation reaches every screen
at once), else straight to the database (starting the embedded PostgreSQL for a moment when needed). Either
way the same handlers run, acting as the system."""
from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import sys
from dataclasses import replace
from typing import Any, AsyncIterator, Awaitable, Callable

from services import messages as m
from services import runstate
from services.config import ConfigError, Settings
from services.domain.access import SYSTEM
from services.domain.errors import DomainError

Execute = Callable[[m.Command], Awaitable[Any]]


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    user = sub.add_parser("user", help="tài khoản cán bộ / staff accounts").add_subparsers(dest="action", required=True)
    add = user.add_parser("add", help="tạo tài khoản / create an account")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=["admin", "manager", "clerk"])
    add.add_argument("--office")
    add.add_argument("--counter", help="quầy thường làm / the clerk's usual counter")
    add.add_argument("--province", help="mã tỉnh/thành của lãnh đạo tỉnh (không có --office) / a province manager's "
                                        "province code (without --office)")
    add.add_argument("--name", default="", help="tên hiển thị / display name")
    add.add_argument("--password-stdin", action="store_true", help="đọc mật khẩu từ stdin / read the password from stdin")
    for action, text in (("disable", "khoá tài khoản / disable"), ("enable", "mở khoá / enable"),
                         ("passwd", "đặt mật khẩu mới / set a new password")):
        p = user.add_parser(action, help=text)
        p.add_argument("username")
        if action == "passwd":
            p.add_argument("--password-stdin", action="store_true")
    listing = user.add_parser("list", help="danh sách / list")
    listing.add_argument("--office")
    device = sub.add_parser("device", help="thiết bị đăng ký / enrolled devices").add_subparsers(dest="action",
                                                                                               required=True)
    dadd = device.add_parser("add", help="đăng ký thiết bị / enrol a device")
    dadd.add_argument("--office", required=True)
    dadd.add_argument("--kind", required=True, choices=["kiosk", "display", "tablet"])
    dadd.add_argument("--name", required=True)
    dadd.add_argument("--counter", help="quầy của máy đánh giá / the rating tablet's counter")
    revoke = device.add_parser("revoke", help="thu hồi / revoke")
    revoke.add_argument("device")
    dlist = device.add_parser("list", help="danh sách / list")
    dlist.add_argument("--office")


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Mật khẩu / password: ")
    if getpass.getpass("Nhập lại / again: ") != first:
        raise ConfigError("Hai lần nhập mật khẩu không khớp / the passwords do not match")
    return first


def _command(args: argparse.Namespace) -> m.Command:
    actor = SYSTEM.as_dict()
    if args.command == "user":
        if args.action == "add":
            return m.CreateUser(username=args.username, password=_password(args.password_stdin), role=args.role,
                                office=args.office, counter=args.counter, display_name=args.name,
                                province=args.province, actor=actor)
        if args.action in ("disable", "enable"):
            return m.SetUserDisabled(user=args.username, disabled=args.action == "disable", actor=actor)
        if args.action == "passwd":
            return m.SetPassword(user=args.username, password=_password(args.password_stdin), actor=actor)
        return m.ListUsers(office=args.office, actor=actor)
    if args.action == "add":
        return m.EnrolDevice(office=args.office, kind=args.kind, name=args.name, counter=args.counter, actor=actor)
    if args.action == "revoke":
        return m.RevokeDevice(device=args.device, actor=actor)
    return m.ListDevices(office=args.office, actor=actor)


@contextlib.asynccontextmanager
async def admin_channel(settings: Settings) -> AsyncIterator[Execute]:
    """The running system's accounts service over NATS, else the database directly."""
    running = runstate.read(settings.home)
    if running and not settings.nats_url:
        from services.local_secrets import read_json
        passwords = read_json(settings.home, "nats.json") or {}
        settings = replace(settings, nats_url=running.get("nats_url"), nats_passwords=passwords)
    if settings.nats_url:
        from services.bus import Bus
        try:
            bus = await Bus.connect(settings, "system")
        except Exception:  # noqa: BLE001 - not reachable: fall back to the database
            bus = None
        if bus is not None:
            try:
                await bus.request(m.ListDevices(office="-", actor=SYSTEM.as_dict()), timeout=2)
                yield bus.request
                return
            except m.ServiceError as exc:
                if exc.code not in ("unavailable", "timeout"):
                    raise
            finally:
                await bus.close()
    async with _database(settings, running) as pool:
        from services.accounts.handlers import Accounts
        yield Accounts(pool).execute


@contextlib.asynccontextmanager
async def _database(settings: Settings, running: dict[str, Any] | None) -> AsyncIterator[Any]:
    from services.store.db import create_pool, migrate
    stack = contextlib.AsyncExitStack()
    async with stack:
        url = settings.database_url or (running or {}).get("database_url")
        if not url:
            from services.system import embedded_defaults
            settings = await stack.enter_async_context(embedded_defaults(settings, nats=False))
            url = settings.database_url
        pool = await create_pool(url, settings.db_schema, min_size=1, max_size=2)
        stack.push_async_callback(pool.close)
        await migrate(pool)
        yield pool


def _print(args: argparse.Namespace, result: Any, settings: Settings) -> None:
    if args.command == "device" and args.action == "add":
        from services.api.accounts import device_link
        base = (settings.public_url or f"http://{settings.host}:{settings.port}").rstrip("/")
        print(f"id:    {result['id']}\ntoken: {result['token']}\nlink:  {base}{device_link(result)}")
        print("Mở đường liên kết trên thiết bị một lần; giữ kín mã này / open the link on the device once; keep the "
              "token secret", file=sys.stderr)
        return
    print(json.dumps(result, ensure_ascii=False, indent=2))


async def run(args: argparse.Namespace, settings: Settings) -> int:
    command = _command(args)
    running = runstate.read(settings.home)
    if running and running.get("web") and not settings.public_url:
        settings = replace(settings, public_url=running["web"])
    async with admin_channel(settings) as execute:
        try:
            result = await execute(command)
        except m.ServiceError as exc:
            print(f"motcua: {exc.message} / {exc.message_en}", file=sys.stderr)
            return 1
        except DomainError as exc:       # from the handlers run in this process
            print(f"motcua: {exc.message_vi} / {exc.message_en}", file=sys.stderr)
            return 1
    _print(args, result, settings)
    return 0
