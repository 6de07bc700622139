"""Logins, users and devices under /api/auth, /api/users and /api/devices."""
from __future__ import annotations

from typing import Any

from aiohttp import web

from services import messages as m
from services.api.auth import (
    AUTHENTICATOR, CSRF_COOKIE, SESSION_COOKIE, actor_of, principal_of, public, requires,
)
from services.api.body import field, read_json
from services.api.responses import json_response
from services.api.security import client_address
from services.api.tickets import ask
from services.config import Settings
from services.domain.access import Right
from services.domain.errors import Unauthenticated
from services.screens.login import home_of

SETTINGS = web.AppKey("settings", Settings)


def _settings(request: web.Request) -> Settings:
    return request.config_dict[SETTINGS]


# ------------------------------------------------------------ logging in and out

@public
async def login(request: web.Request) -> web.Response:
    """{"username", "password"} → {"token", "role", "office", "expires_at", ...}. With {"session": "cookie"}
    (the browser screens) the token is also set as an HttpOnly cookie, with its CSRF token in a readable one."""
    body = await read_json(request)
    settings = _settings(request)
    reply = await ask(request, m.Login(
        username=field(body, "username", str, required=True), password=field(body, "password", str, required=True),
        address=client_address(request, settings.trusted_proxies),
        user_agent=request.headers.get("User-Agent", "")[:300],
    ))
    body_out = {k: reply.get(k) for k in ("token", "role", "office", "province", "expires_at", "counter", "username",
                                          "display_name", "user_id", "csrf")}
    home = home_of(reply["role"], reply["office"], reply["counter"], reply.get("province"))
    response = json_response({**body_out, "home": home})
    if field(body, "session", str) == "cookie":
        max_age = settings.session_ttl_s
        response.set_cookie(SESSION_COOKIE, reply["token"], max_age=max_age, path="/", httponly=True,
                            samesite="Strict", secure=settings.cookie_secure)
        response.set_cookie(CSRF_COOKIE, reply["csrf"], max_age=max_age, path="/", httponly=False,
                            samesite="Strict", secure=settings.cookie_secure)
    return response


@requires(Right.SIGNED_IN, office=None)
async def whoami(request: web.Request) -> web.Response:
    principal = principal_of(request)
    assert principal is not None
    return json_response({"actor": principal.actor.as_dict(), "expires_at": principal.expires_at,
                          "session": "cookie" if principal.via_cookie else "bearer"})


@public
async def logout(request: web.Request) -> web.Response:
    """End the caller's session (bearer or cookie); always clears the browser's cookies."""
    principal = principal_of(request)
    if principal is not None and principal.actor.type == "user":
        await ask(request, m.Logout(token_hash=principal.token_hash.hex()))
        request.config_dict[AUTHENTICATOR].forget(principal.token_hash)
    response = json_response({"logged_out": principal is not None})
    response.del_cookie(SESSION_COOKIE, path="/")
    response.del_cookie(CSRF_COOKIE, path="/")
    return response


# ------------------------------------------------------------ users

@requires(Right.CREATE_USERS, office=None)
async def create_user(request: web.Request) -> web.Response:
    """Admins create any account ("province" with role manager and no office: a province manager); an office's
    managers create clerks of their office (the accounts service checks which)."""
    body = await read_json(request)
    user = await ask(request, m.CreateUser(
        username=field(body, "username", str, required=True), password=field(body, "password", str, required=True),
        role=field(body, "role", str, required=True), office=field(body, "office", str),
        counter=field(body, "counter", str), display_name=field(body, "display_name", str) or "",
        province=field(body, "province", str), actor=actor_of(request),
    ))
    return json_response(user, status=201, headers={"Location": f"/api/users/{user['id']}"})


@requires(Right.MANAGE_USERS, office=None)
async def list_users(request: web.Request) -> web.Response:
    return json_response(await ask(request, m.ListUsers(office=request.query.get("office"), actor=actor_of(request))))


async def _set_disabled(request: web.Request, disabled: bool) -> web.Response:
    await read_json(request)
    return json_response(await ask(request, m.SetUserDisabled(user=request.match_info["user"], disabled=disabled,
                                                              actor=actor_of(request))))


@requires(Right.MANAGE_USERS, office=None)
async def disable_user(request: web.Request) -> web.Response:
    return await _set_disabled(request, True)


@requires(Right.MANAGE_USERS, office=None)
async def enable_user(request: web.Request) -> web.Response:
    return await _set_disabled(request, False)


@requires(Right.SIGNED_IN, office=None)
async def set_password(request: web.Request) -> web.Response:
    """Admins and managers reset their users' passwords; anyone changes their own with "old_password"."""
    body = await read_json(request)
    principal = principal_of(request)
    if principal is None or principal.actor.type != "user":
        raise Unauthenticated("Cần đăng nhập bằng tài khoản cán bộ", "Log in with a staff account")
    user = await ask(request, m.SetPassword(
        user=request.match_info["user"], password=field(body, "password", str, required=True),
        old_password=field(body, "old_password", str), actor=actor_of(request),
    ))
    return json_response(user)


# ------------------------------------------------------------ devices

@requires(Right.ENROL_DEVICES, office=None)
async def enrol_device(request: web.Request) -> web.Response:
    """{"office", "kind": "kiosk"|"display"|"tablet", "name", "counter"?} → 201 {"id", "token", ...} and the link
    that enrols a browser (the token travels in the URL fragment, which browsers never send to a server)."""
    body = await read_json(request)
    device = await ask(request, m.EnrolDevice(
        office=field(body, "office", str, required=True), kind=field(body, "kind", str, required=True),
        name=field(body, "name", str, required=True), counter=field(body, "counter", str), actor=actor_of(request),
    ))
    return json_response({**device, "link": device_link(device)}, status=201,
                         headers={"Location": f"/api/devices/{device['id']}"})


def device_link(device: dict[str, Any]) -> str:
    """Where the enrolled device opens its screen, relative to the public address."""
    office, kind = device["office"], device["kind"]
    page = {"kiosk": f"/kiosk/{office}", "display": f"/display/{office}",
            "tablet": f"/counter/{office}/{device.get('counter') or '1'}/rate"}[kind]
    return f"{page}#device={device['token']}"


@requires(Right.MANAGE_DEVICES, office=None)
async def list_devices(request: web.Request) -> web.Response:
    return json_response(await ask(request, m.ListDevices(office=request.query.get("office"),
                                                          actor=actor_of(request))))


@requires(Right.MANAGE_DEVICES, office=None)
async def revoke_device(request: web.Request) -> web.Response:
    device = await ask(request, m.RevokeDevice(device=request.match_info["device"], actor=actor_of(request)))
    request.config_dict[AUTHENTICATOR].clear()   # this process at once; the others by the broadcast
    return json_response(device)


def add_account_routes(app: web.Application) -> None:
    r = app.router
    r.add_post("/api/auth/login", login)
    r.add_post("/api/auth/logout", logout)
    r.add_get("/api/auth/me", whoami)
    r.add_post("/api/users", create_user)
    r.add_get("/api/users", list_users)
    r.add_post("/api/users/{user}/disable", disable_user)
    r.add_post("/api/users/{user}/enable", enable_user)
    r.add_put("/api/users/{user}/password", set_password)
    r.add_post("/api/devices", enrol_device)
    r.add_get("/api/devices", list_devices)
    r.add_delete("/api/devices/{device}", revoke_device)
