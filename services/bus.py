"""The NATS adapter: connection, the event stream, request/reply with error codes, subscriptions."""
from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import time
from typing import Any, Awaitable, Callable

import nats
import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import api

from services import deadlines
from services.config import Settings
from services.domain.errors import DomainError
from services.messages import (
    Command, Event, InvalidMessage, ServiceError, command_subject, commands_of, decode, encode,
    event_from_subject, events_wildcard, parse_reply, reply_error, reply_ok,
)

log = logging.getLogger(__name__)

CommandHandler = Callable[[Command], Awaitable[Any]]
EventHandler = Callable[[Event], Awaitable[None]]

_SERVICE_VI = {"ticketing": "cấp số", "accounts": "tài khoản", "identity": "nhận diện", "payment": "thanh toán",
               "feedback": "đánh giá", "stats": "thống kê"}

PART_HEADER = "Motcua-Part"
PART_BYTES = 512 * 1024

STREAM_MAX_AGE_S = 400 * 24 * 3600   # events are the history reports are rebuilt from
DUPLICATE_WINDOW_S = 600             # a relay re-publishing after a crash is deduplicated


async def until_server_has_all_sent(nc: Client) -> None:
    """Return once the NATS server has processed everything `nc` sent (subscriptions before saying "ready").
    nats-py's flush() writes its PING straight to the socket, ahead of commands still in its buffer (SUBs), so its
    PONG alone proves nothing: the buffer is pushed out first (nats-py's own flusher; without that method, a second
    PING/PONG, sent after the flusher wrote the buffer during the first, does the same)."""
    push = getattr(nc, "_flush_pending", None)
    if push is not None:
        await push(force_flush=True)
    else:
        await nc.flush(timeout=5)
    await nc.flush(timeout=5)


class Bus:
    def __init__(self, nc: Client, settings: Settings) -> None:
        self.nc = nc
        self.js = nc.jetstream()
        self.settings = settings
        self.prefix = settings.subject_prefix
        self._reconnect_listeners: list[Callable[[], None]] = []
        self._inflight: set[asyncio.Future[Any]] = set()

    def _disconnected(self) -> None:
        """The connection dropped: requests waiting for a reply will not get one; end them now (503), rather
        than after their whole timeout."""
        for request in list(self._inflight):
            request.cancel()

    def on_reconnect(self, listener: Callable[[], None]) -> None:
        """Call `listener` each time the connection comes back (broadcasts sent meanwhile were lost)."""
        self._reconnect_listeners.append(listener)

    def _reconnected(self) -> None:
        for listener in self._reconnect_listeners:
            try:
                listener()
            except Exception:  # noqa: BLE001 - one listener must not stop the others
                log.exception("reconnect listener failed")

    @classmethod
    async def connect(cls, settings: Settings, name: str) -> "Bus":
        if not settings.nats_url:
            raise ServiceError("config", "Chưa cấu hình NATS_URL", "NATS_URL is not set")

        async def on_error(exc: Exception) -> None:
            log.warning("nats %s: %s", name, exc)

        async def on_disconnect() -> None:
            if not (nc.is_closed or nc.is_draining):
                log.warning("nats %s: disconnected, reconnecting", name)
            if bus is not None:
                bus._disconnected()

        async def on_reconnect() -> None:
            log.info("nats %s: reconnected", name)
            if bus is not None:
                bus._reconnected()

        bus: Bus | None = None
        nc = Client()
        user, password = settings.nats_credentials(name)
        await nc.connect(
            settings.nats_url, name=f"motcua-{name}", max_reconnect_attempts=-1, reconnect_time_wait=0.5,
            connect_timeout=5, error_cb=on_error, disconnected_cb=on_disconnect, reconnected_cb=on_reconnect,
            user=user, password=password,
            # Each service's replies arrive under its own inbox prefix, which its NATS permissions allow.
            inbox_prefix=f"_INBOX.{user}".encode() if user else b"_INBOX",
        )
        bus = cls(nc, settings)
        return bus

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
        """Send a command to its service; return the reply's data or raise ServiceError."""
        wait = timeout or self.settings.request_timeout_s
        if not self.nc.is_connected:
            raise ServiceError(
                "unavailable", "Mất kết nối tới hệ thống (NATS); đang kết nối lại, vui lòng thử lại sau giây lát",
                "Lost the connection to the system (NATS); reconnecting, please try again shortly",
                {"part": "nats"},
            )
        if command.deadline is None:
            command = dataclasses.replace(command, deadline=time.time() + wait - deadlines.MARGIN_S)
        subject, payload = command_subject(self.prefix, command), encode(command)
        try:
            if command.large_reply:
                return parse_reply(await self._request_parts(subject, payload, wait))
            pending = asyncio.ensure_future(self.nc.request(subject, payload, timeout=wait))
            self._inflight.add(pending)
            try:
                msg = await pending
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise                                   # our caller is being cancelled
                raise nats.errors.ConnectionReconnectingError() from None      # cut by _disconnected
            finally:
                self._inflight.discard(pending)
        except nats.errors.NoRespondersError as exc:
            raise ServiceError(
                "unavailable", f"Dịch vụ {_SERVICE_VI.get(command.handled_by, command.handled_by)} đang không chạy; "
                "vui lòng thử lại sau",
                f"The {command.handled_by} service is not running; please try again later",
            ) from exc
        except (nats.errors.TimeoutError, asyncio.TimeoutError) as exc:
            raise ServiceError(
                "timeout", f"Dịch vụ {_SERVICE_VI.get(command.handled_by, command.handled_by)} không trả lời kịp; "
                "vui lòng thử lại",
                f"The {command.handled_by} service did not answer in time; please try again",
            ) from exc
        except nats.errors.MaxPayloadError as exc:
            limit = self.nc.max_payload / (1024 * 1024)
            raise ServiceError(
                "payload_too_large", f"Dữ liệu gửi tới dịch vụ quá lớn (NATS nhận tối đa {limit:g} MiB một tin)",
                f"The data is too large for the bus (NATS takes at most {limit:g} MiB a message)",
                {"limit_bytes": self.nc.max_payload},
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
                    if deadlines.expired(command.deadline):
                        raise deadlines.too_late()          # nobody waits for the answer any more
                    deadlines.DEADLINE.set(command.deadline)
                    body = reply_ok(await handle(command))
                except InvalidMessage as exc:
                    body = reply_error("invalid", f"Yêu cầu không hợp lệ: {exc}", f"Invalid request: {exc}")
                except DomainError as exc:
                    body = reply_error(exc.code, exc.message_vi, exc.message_en, exc.details)
                except ServiceError as exc:
                    body = reply_error(exc.code, exc.message, exc.message_en, exc.details)
                except Exception:  # noqa: BLE001 - answer something a person can act on
                    log.exception("%s failed on %s", service, msg.subject)
                    body = reply_error(
                        "internal", "Lỗi hệ thống; vui lòng thử lại hoặc báo quản trị viên",
                        "Internal error; please retry or tell the administrator",
                    )
                if msg.reply:
                    try:
                        await self._respond(msg.reply, body)
                    except nats.errors.Error:
                        log.warning("%s: could not answer %s", service, msg.subject, exc_info=True)

        subscriptions = []
        for cls in commands_of(service):
            async def on_message(msg: Msg, cls: type[Command] = cls) -> None:
                task = asyncio.create_task(answer(msg, cls))
                tasks.add(task)
                task.add_done_callback(tasks.discard)

            subscriptions.append(
                await self.nc.subscribe(command_subject(self.prefix, cls), queue=service, cb=on_message)
            )
        # The server has our interest before we say we serve: a request sent right after "ready" (the demo seed,
        # a web worker's first call) would otherwise find no responders.
        await until_server_has_all_sent(self.nc)
        return subscriptions

    # ------------------------------------------------------------ events

    async def _respond(self, reply: str, body: bytes) -> None:
        """One message, or for a reply larger than a message may be (a stock NATS takes 1 MB) numbered parts that
        `request` puts back together (header Motcua-Part: i/n)."""
        size = min(PART_BYTES, self.nc.max_payload - 4096)
        if len(body) <= size:
            await self.nc.publish(reply, body)
            return
        parts = [body[i:i + size] for i in range(0, len(body), size)]
        for i, part in enumerate(parts, 1):
            await self.nc.publish(reply, part, headers={PART_HEADER: f"{i}/{len(parts)}"})

    async def _request_parts(self, subject: str, payload: bytes, timeout: float) -> bytes:
        """A request whose reply may come in parts (queries that answer a whole office's queue)."""
        inbox = self.nc.new_inbox()
        sub = await self.nc.subscribe(inbox)
        try:
            await self.nc.publish(subject, payload, reply=inbox)
            chunks: dict[int, bytes] = {}
            total = 1
            async with asyncio.timeout(timeout):
                while len(chunks) < total:
                    msg = await sub.next_msg(timeout=timeout)
                    if msg.headers and msg.headers.get("Status") == "503":
                        raise nats.errors.NoRespondersError
                    part = (msg.headers or {}).get(PART_HEADER, "1/1")
                    index, _, count = part.partition("/")
                    chunks[int(index)] = msg.data
                    total = int(count)
            return b"".join(chunks[i] for i in range(1, total + 1))
        finally:
            with contextlib.suppress(nats.errors.Error):
                await sub.unsubscribe()

    async def publish_event(self, subject: str, payload: bytes, event_id: str, after: str | None = None) -> None:
        """One event into the stream, `event_id` its Nats-Msg-Id (a copy within the duplicate window is dropped);
        with `after`, only if the stream's last message is that event (services.store.outbox.Publish)."""
        headers = {"Nats-Msg-Id": event_id}
        if after is not None:
            headers["Nats-Expected-Last-Msg-Id"] = after
        await self.js.publish(subject, payload, stream=self.settings.stream, headers=headers)

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

    # ------------------------------------------------------------ broadcasts (core NATS, not stored)

    async def broadcast(self, subject: str, data: Any) -> None:
        await self.nc.publish(subject, json.dumps(data, ensure_ascii=False).encode())
        await self.nc.flush(timeout=2)

    async def listen(self, subject: str, handle: Callable[[Any], Awaitable[None]]) -> Any:
        async def on_message(msg: Msg) -> None:
            try:
                data = json.loads(msg.data)
            except (UnicodeDecodeError, json.JSONDecodeError):
                log.warning("ignoring malformed broadcast on %s", msg.subject)
                return
            await handle(data)

        return await self.nc.subscribe(subject, cb=on_message)
