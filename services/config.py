"""Settings, read once from the environment with defaults and checked before anything starts.
Nothing connects at import.

Secrets (passwords, API keys) may come from `<NAME>` or from a file named by `<NAME>_FILE` (Docker and
systemd credentials), never from the repository.
"""
from __future__ import annotations

import base64
import binascii
import ipaddress
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Mapping, TypeVar

from services.device_settings import ConfigError, PrinterSpec, parse_printer, parse_style
from services.domain.speech import DEFAULT_STYLE, SpeechStyle

__all__ = ["ConfigError", "Settings"]

T = TypeVar("T")


_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


def _passwords_file(path: str | None) -> dict[str, str]:
    """MOTCUA_NATS_PASSWORDS_FILE: a JSON object {NATS user: password}, one per connection name (what `motcua up`
    hands its children for the embedded nats-server)."""
    if not path:
        return {}
    import json
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"MOTCUA_NATS_PASSWORDS_FILE={path}: không đọc được ({exc}) / cannot be read ({exc})") from exc
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise ConfigError(f"MOTCUA_NATS_PASSWORDS_FILE={path}: cần một đối tượng JSON {{người dùng: mật khẩu}} / "
                          "must be a JSON object {user: password}")
    return data


@dataclass(frozen=True)
class Settings:
    nats_url: str | None = None          # None: start the embedded nats-server
    database_url: str | None = None      # None: start the embedded PostgreSQL
    db_schema: str = "motcua"
    subject_prefix: str = "motcua"
    home: Path = Path(".motcua")
    host: str = "127.0.0.1"
    port: int = 8080
    request_timeout_s: float = 5.0
    public_url: str | None = None        # how phones reach /t/{ticket}; default http://host:port
    stream_replicas: int = 1             # 3 on a NATS cluster
    # NATS credentials: one user for this process (production), or one per connection name (embedded).
    nats_user: str | None = None
    nats_password: str | None = None
    nats_passwords: Mapping[str, str] = field(default_factory=dict)
    # Staff logins and devices.
    session_ttl_s: int = 12 * 3600
    login_max_failures: int = 5
    login_window_s: int = 300
    login_lock_s: int = 300
    kiosk_tickets_per_min: int = 30
    max_connections_per_address: int = 64    # slow or hostile clients cannot starve the hall
    header_timeout_s: float = 10.0           # a request's headers must arrive within this
    outbox_retention_days: float = 7.0   # published events stay in the outbox this long (the stream keeps them)
    trusted_proxies: tuple[str, ...] = ()
    admin_password: str | None = None    # creates user 'admin' at start when it does not exist
    demo_password: str | None = None     # `motcua up --demo`: the demo accounts' password
    # The kiosk's thermal printer (None: the browser prints) and the hall board's offline voice.
    printer: PrinterSpec | None = None
    speech_style: SpeechStyle = DEFAULT_STYLE
    espeak_voice: str = "vi"
    espeak_speed: int = 145
    # Fees paid by QR (the payment service). A gateway whose key is unset authenticates no notice (401).
    sepay_api_key: str | None = None     # SePay webhooks send `Authorization: Apikey <key>`
    payos_checksum_key: str | None = None  # payOS signs its webhooks with HMAC-SHA256 under this key
    fee_expiry_min: int = 30             # how long a fee's QR may be paid; a later transfer is an exception
    fee_max_vnd: int = 100_000_000       # the largest fee a clerk may ask for at a counter
    # Identity: the AES-256 key(s) sealing face encodings at rest (see identity_keys); generated into
    # MOTCUA_HOME/secrets only for the embedded PostgreSQL. Never printed.
    identity_key: str | None = field(default=None, repr=False)
    face_workers: int = 0                # face encoding processes; 0: all CPUs but one
    # `motcua up` runs the web front as this many processes sharing the port (0: one per core beyond the first).
    web_workers: int = 0
    web_reuse_port: bool = False         # set by `motcua up` for its web workers (SO_REUSEPORT)
    event_loop: str = "uvloop"           # MOTCUA_LOOP: "asyncio" keeps Python's standard event loop

    @property
    def stream(self) -> str:
        return f"{self.subject_prefix.upper().replace('-', '_')}_EVENTS"

    def nats_credentials(self, name: str) -> tuple[str | None, str | None]:
        """User and password for the NATS connection of service `name`."""
        if name in self.nats_passwords:
            return name, self.nats_passwords[name]
        return self.nats_user, self.nats_password

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> "Settings":
        env = os.environ if env is None else env
        read = _Reader(env)
        settings = cls(
            nats_url=env.get("NATS_URL") or None,
            database_url=read.secret("DATABASE_URL"),
            db_schema=env.get("MOTCUA_DB_SCHEMA", "motcua"),
            subject_prefix=env.get("MOTCUA_SUBJECT_PREFIX", "motcua"),
            home=Path(env.get("MOTCUA_HOME", ".motcua")),
            host=env.get("MOTCUA_HOST", "127.0.0.1"),
            port=read.number("MOTCUA_PORT", 8080, int, 0, 65535),
            request_timeout_s=read.number("MOTCUA_REQUEST_TIMEOUT_S", 5.0, float, 0.1, 120),
            public_url=env.get("MOTCUA_PUBLIC_URL") or None,
            stream_replicas=read.number("MOTCUA_STREAM_REPLICAS", 1, int, 1, 5),
            nats_user=env.get("MOTCUA_NATS_USER") or None,
            nats_password=read.secret("MOTCUA_NATS_PASSWORD"),
            session_ttl_s=int(read.number("MOTCUA_SESSION_HOURS", 12.0, float, 0.05, 720) * 3600),
            login_max_failures=read.number("MOTCUA_LOGIN_MAX_FAILURES", 5, int, 2, 100),
            login_window_s=read.number("MOTCUA_LOGIN_WINDOW_S", 300, int, 10, 86_400),
            login_lock_s=read.number("MOTCUA_LOGIN_LOCK_S", 300, int, 10, 86_400),
            kiosk_tickets_per_min=read.number("MOTCUA_KIOSK_TICKETS_PER_MIN", 30, int, 1, 10_000),
            max_connections_per_address=read.number("MOTCUA_MAX_CONNECTIONS_PER_ADDRESS", 64, int, 4, 100_000),
            header_timeout_s=read.number("MOTCUA_HEADER_TIMEOUT_S", 10.0, float, 1, 300),
            outbox_retention_days=read.number("MOTCUA_OUTBOX_RETENTION_DAYS", 7.0, float, 0.01, 3650),
            trusted_proxies=read.networks("MOTCUA_TRUSTED_PROXIES"),
            admin_password=read.secret("MOTCUA_ADMIN_PASSWORD"),
            demo_password=read.secret("MOTCUA_DEMO_PASSWORD"),
            printer=read.parsed(lambda: parse_printer(env.get("MOTCUA_PRINTER"), env.get("MOTCUA_PRINTER_PROFILE"))),
            speech_style=read.parsed(lambda: parse_style(env.get("MOTCUA_SPEECH_STYLE"))) or DEFAULT_STYLE,
            espeak_voice=read.token("MOTCUA_ESPEAK_VOICE", "vi"),
            espeak_speed=read.number("MOTCUA_ESPEAK_SPEED", 145, int, 80, 450),
            sepay_api_key=read.secret("MOTCUA_SEPAY_API_KEY"),
            payos_checksum_key=read.secret("MOTCUA_PAYOS_CHECKSUM_KEY"),
            fee_expiry_min=read.number("MOTCUA_FEE_EXPIRY_MIN", 30, int, 1, 7 * 24 * 60),
            fee_max_vnd=read.number("MOTCUA_FEE_MAX_VND", 100_000_000, int, 1_000, 10_000_000_000),
            identity_key=read.secret("MOTCUA_IDENTITY_KEY"),
            face_workers=read.number("MOTCUA_FACE_WORKERS", 0, int, 0, 64),
            web_workers=read.number("MOTCUA_WEB_WORKERS", 0, int, 0, 64),
            web_reuse_port=env.get("MOTCUA_WEB_REUSE_PORT") == "1",
            event_loop=read.choice("MOTCUA_LOOP", "uvloop", ("uvloop", "asyncio")),
            nats_passwords=read.parsed(lambda: _passwords_file(env.get("MOTCUA_NATS_PASSWORDS_FILE"))) or {},
        )
        read.raise_if_wrong()
        settings = replace(settings, **overrides)  # type: ignore[arg-type]
        settings.validate()
        return settings

    def validate(self) -> None:
        for name, value in (("MOTCUA_DB_SCHEMA", self.db_schema), ("MOTCUA_SUBJECT_PREFIX", self.subject_prefix)):
            if not _TOKEN.match(value):
                raise ConfigError(
                    f"{name}={value!r} không hợp lệ: chỉ dùng chữ không dấu, số, '-' hoặc '_' / "
                    f"{name}={value!r} is invalid: use letters, digits, '-' or '_'"
                )
        if not 0 <= self.port <= 65535:
            raise ConfigError(f"MOTCUA_PORT={self.port} phải từ 0 đến 65535 / must be 0-65535")
        if self.stream_replicas not in (1, 3, 5):
            raise ConfigError("MOTCUA_STREAM_REPLICAS phải là 1, 3 hoặc 5 / must be 1, 3 or 5")
        if self.request_timeout_s <= 0:
            raise ConfigError("MOTCUA_REQUEST_TIMEOUT_S phải lớn hơn 0 / must be positive")
        if self.public_url and not re.match(r"^https?://[^\s/]+(/\S*)?$", self.public_url):
            raise ConfigError(f"MOTCUA_PUBLIC_URL={self.public_url!r} phải bắt đầu bằng http:// hoặc https:// / "
                              "must start with http:// or https://")
        if bool(self.nats_user) != bool(self.nats_password):
            raise ConfigError("Cần đặt cả MOTCUA_NATS_USER và MOTCUA_NATS_PASSWORD (hoặc không đặt cả hai) / "
                              "set both MOTCUA_NATS_USER and MOTCUA_NATS_PASSWORD, or neither")
        for name, value in (("MOTCUA_ADMIN_PASSWORD", self.admin_password),
                            ("MOTCUA_DEMO_PASSWORD", self.demo_password)):
            if value is not None and len(value) < 8:
                raise ConfigError(f"{name} phải dài ít nhất 8 ký tự / must be at least 8 characters long")
        for name, value in (("MOTCUA_SEPAY_API_KEY", self.sepay_api_key),
                            ("MOTCUA_PAYOS_CHECKSUM_KEY", self.payos_checksum_key)):
            # A short or space-padded key is a mistake that would let notices be forged or refuse every real one.
            if value is not None and (len(value) < 16 or value != value.strip() or any(c.isspace() for c in value)):
                raise ConfigError(f"{name} phải dài ít nhất 16 ký tự và không chứa khoảng trắng / "
                                  "must be at least 16 characters long, without spaces")
        if not 1 <= self.fee_expiry_min <= 7 * 24 * 60:
            raise ConfigError("MOTCUA_FEE_EXPIRY_MIN phải từ 1 đến 10080 phút / must be 1-10080 minutes")
        if not 1_000 <= self.fee_max_vnd <= 10_000_000_000:
            raise ConfigError("MOTCUA_FEE_MAX_VND phải từ 1000 đến 10000000000 / must be 1000-10000000000")
        if self.identity_key is not None:
            identity_keys(self.identity_key)

    def identity_keys(self) -> list[bytes]:
        """The identity keys, current first; [] when none is configured."""
        return identity_keys(self.identity_key) if self.identity_key else []

    @property
    def cookie_secure(self) -> bool:
        """Session cookies are marked Secure when the public address is https."""
        return bool(self.public_url and self.public_url.startswith("https://"))


IDENTITY_KEY_BYTES = 32


def identity_keys(text: str) -> list[bytes]:
    """MOTCUA_IDENTITY_KEY: one or more 256-bit keys, separated by commas or spaces, each as 64 hex digits or
    base64 (standard or URL-safe, padding optional). The first seals new data; the others only open data sealed
    before a rotation. Raises ConfigError naming what is wrong, never the key itself."""
    keys = []
    for number, part in enumerate(filter(None, re.split(r"[\s,]+", text.strip())), 1):
        if re.fullmatch(r"[0-9A-Fa-f]{64}", part):
            keys.append(bytes.fromhex(part))
            continue
        try:
            raw = base64.b64decode(part.replace("-", "+").replace("_", "/") + "=" * (-len(part) % 4), validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) != IDENTITY_KEY_BYTES:
            raise ConfigError(
                f"MOTCUA_IDENTITY_KEY: khoá thứ {number} phải là 32 byte ngẫu nhiên, viết bằng 64 chữ số hex hoặc "
                f"base64 (ví dụ: python3 -c 'import secrets; print(secrets.token_hex(32))') / key {number} must be "
                "32 random bytes as 64 hex digits or base64")
        keys.append(raw)
    if not keys:
        raise ConfigError("MOTCUA_IDENTITY_KEY rỗng / is empty")
    if len(set(keys)) != len(keys):
        raise ConfigError("MOTCUA_IDENTITY_KEY có khoá trùng nhau / lists the same key twice")
    return keys


class _Reader:
    """Reads values, collecting every mistake so a person sees them all at once."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.errors: list[str] = []

    def number(self, name: str, default: T, kind: Callable[[str], T], low: float, high: float) -> T:
        raw = self.env.get(name, "").strip()
        if not raw:
            return default
        try:
            value = kind(raw)
        except ValueError:
            self.errors.append(f"{name}={raw!r} phải là số / must be a number")
            return default
        if not low <= value <= high:  # type: ignore[operator]
            self.errors.append(f"{name}={raw!r} phải từ {low:g} đến {high:g} / must be from {low:g} to {high:g}")
            return default
        return value

    def secret(self, name: str) -> str | None:
        path = self.env.get(f"{name}_FILE", "").strip()
        if path:
            try:
                return Path(path).read_text(encoding="utf-8").rstrip("\r\n") or None
            except (OSError, UnicodeDecodeError) as exc:
                self.errors.append(f"{name}_FILE={path!r}: không đọc được tệp ({exc}) / cannot read the file")
                return None
        return self.env.get(name) or None

    def parsed(self, parse: Callable[[], T]) -> T | None:
        """A value parsed by its own parser, whose ValueError (ConfigError) is collected."""
        try:
            return parse()
        except ValueError as exc:
            self.errors.append(str(exc))
            return None

    def choice(self, name: str, default: str, allowed: tuple[str, ...]) -> str:
        value = self.env.get(name, "").strip() or default
        if value not in allowed:
            self.errors.append(f"{name}={value!r} phải là {' hoặc '.join(allowed)} / must be {' or '.join(allowed)}")
            return default
        return value

    def token(self, name: str, default: str) -> str:
        value = self.env.get(name, "").strip() or default
        if not re.fullmatch(r"[A-Za-z0-9_+-]{1,40}", value):
            self.errors.append(f"{name}={value!r} không hợp lệ (chữ, số, '-', '+' hoặc '_') / is not a valid name")
            return default
        return value

    def networks(self, name: str) -> tuple[str, ...]:
        found = []
        for part in filter(None, (p.strip() for p in self.env.get(name, "").split(","))):
            try:
                found.append(str(ipaddress.ip_network(part, strict=False)))
            except ValueError:
                self.errors.append(f"{name}: '{part}' không phải địa chỉ IP hoặc dải mạng / "
                                   "is not an IP address or network")
        return tuple(found)

    def raise_if_wrong(self) -> None:
        if self.errors:
            raise ConfigError("Cấu hình sai / configuration errors:\n  " + "\n  ".join(self.errors))
