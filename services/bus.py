"""The NATS adapter: connection, the event stream, request/reply with error codes, subscriptions."""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable

import nats
import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import api

from services.config import Settings
from services.domain.errors import DomainError
from services.messages import (
    COMMANDS, Command, Event, InvalidMessage, ServiceError, command_subject, decode, encode,
    event_from_subject, events_wildcard, parse_reply, reply_error, reply_ok,
)

log = logging.getLogger(__name__)

CommandHandler = Callable[[Command], Awaitable[Any]]
EventHandler = Callable[[Event], Awaitable[None]]

STREAM_MAX_AGE_S = 400 * 24 * 3600   # events are the history reports are rebuilt from
DUPLICATE_WINDOW_S = 600             # a relay re-publishing after a crash is deduplicated


class Bus:
    def __init__(self, nc: Client, settings: Settings) -> None:
        self.nc = nc
        self.js = nc.jetstream()
        self.settings = settings
        self.prefix = settings.subject_prefix

    @classmethod
    async def connect(cls, settings: Settings, name: str) -> "Bus":
        if not settings.nats_url:
            raise ServiceError("config", "Chưa cấu hình NATS_URL", "NATS_URL is not set")

        async def on_error(exc: Exception) -> None:
            log.warning("nats %s: %s", name, exc)

        async def on_disconnect() -> None:
            if not (nc.is_closed or nc.is_draining):
                log.warning("nats %s: disconnected, reconnecting", name)

        nc = Client()
        await nc.connect(
            settings.nats_url, name=f"motcua-{name}", max_reconnect_attempts=-1, reconnect_time_wait=0.5,
            connect_timeout=5, error_cb=on_error, disconnected_cb=on_disconnect,
        )
        return cls(nc, settings)

    @property
    def connected(self) -> bool:
        return self.nc.is_connected

    async def close(self) -> None:
        if self.nc.is_closed:
            return
        try:
            await asyncio.wait_for(self.nc.drain(), 10)
        except (asyncio.TimeoutError, nats.errors.Error):
            log.warning("nats: drain did not finish; closing", exc_info=True)
            await self.nc.close()

    async def ensure_stream(self) -> None:
        """Create or update the event stream (file storage, deduplication window)."""
        config = api.StreamConfig(
            name=self.settings.stream, subjects=[events_wildcard(self.prefix, "*")],
            storage=api.StorageType.FILE, retention=api.RetentionPolicy.LIMITS,
            max_age=STREAM_MAX_AGE_S, duplicate_window=DUPLICATE_WINDOW_S,
            num_replicas=self.settings.stream_replicas,
        )
        try:
            await self.js.add_stream(config)
        except nats.js.errors.BadRequestError:
            await self.js.update_stream(config)

    # ------------------------------------------------------------ request/reply

    async def request(self, command: Command, timeout: float | None = None) -> Any:
        """Send a command; return the reply's data or raise ServiceError."""
        try:
            msg = await self.nc.request(
                command_subject(self.prefix, command), encode(command),
                timeout=timeout or self.settings.request_timeout_s,
            )
        except nats.errors.NoRespondersError as exc:
            raise ServiceError(
                "unavailable", "Dịch vụ cấp số đang không chạy; vui lòng thử lại sau",
                "The ticketing service is not running; please try again later",
            ) from exc
        except (nats.errors.TimeoutError, asyncio.TimeoutError) as exc:
            raise ServiceError(
                "timeout", "Dịch vụ cấp số không trả lời kịp; vui lòng thử lại",
                "The ticketing service did not answer in time; please try again",
            ) from exc
        except (nats.errors.ConnectionClosedError, nats.errors.ConnectionReconnectingError,
                nats.errors.OutboundBufferLimitError) as exc:
            raise ServiceError(
                "unavailable", "Mất kết nối tới hệ thống; đang kết nối lại",
                "Lost the connection to the system; reconnecting",
            ) from exc
        return parse_reply(msg.data)

    async def serve_commands(self, service: str, handle: CommandHandler, *, concurrency: int = 32) -> list[Any]:
        """Answer every command of `service` in a queue group, many at once but bounded."""
        slots = asyncio.Semaphore(concurrency)
        tasks: set[asyncio.Task[None]] = set()

        async def answer(msg: Msg, cls: type[Command]) -> None:
            async with slots:
                try:
                    command = decode(cls, msg.data)
                    body = reply_ok(await handle(command))
                except InvalidMessage as exc:
                    body = reply_error("invalid", f"Yêu cầu không hợp lệ: {exc}", f"Invalid request: {exc}")
                except DomainError as exc:
                    body = reply_error(exc.code, exc.message_vi, exc.message_en)
                except ServiceError as exc:
                    body = reply_error(exc.code, exc.message, exc.message_en)
                except Exception:  # noqa: BLE001 - answer something a person can act on
                    log.exception("%s failed on %s", service, msg.subject)
                    body = reply_error(
                        "internal", "Lỗi hệ thống; vui lòng thử lại hoặc báo quản trị viên",
                        "Internal error; please retry or tell the administrator",
                    )
                if msg.reply:
                    try:
                        await msg.respond(body)
                    except nats.errors.Error:
                        log.warning("%s: could not answer %s", service, msg.subject, exc_info=True)

        subscriptions = []
        for cls in COMMANDS.values():
            async def on_message(msg: Msg, cls: type[Command] = cls) -> None:
                task = asyncio.create_task(answer(msg, cls))
                tasks.add(task)
                task.add_done_callback(tasks.discard)

            subscriptions.append(
                await self.nc.subscribe(command_subject(self.prefix, cls), queue=service, cb=on_message)
            )
        return subscriptions

    # ------------------------------------------------------------ events

    async def publish_event(self, subject: str, payload: bytes, event_id: str) -> None:
        await self.js.publish(subject, payload, stream=self.settings.stream, headers={"Nats-Msg-Id": event_id})

    async def subscribe_events(self, office: str, handle: EventHandler) -> Any:
        """Live events of one office (or '*'), in order, from now on; recovers from gaps by itself."""
        async def on_message(msg: Msg) -> None:
            try:
                event = event_from_subject(self.prefix, msg.subject, msg.data)
            except InvalidMessage:
                log.warning("ignoring malformed event on %s", msg.subject, exc_info=True)
                return
            await handle(event)

        return await self.js.subscribe(
            events_wildcard(self.prefix, office), cb=on_message, stream=self.settings.stream,
            ordered_consumer=True, deliver_policy=api.DeliverPolicy.NEW, idle_heartbeat=5.0,
        )
