"""payOS webhook signature: hex HMAC-SHA256(checksum key, `k=v&k=v...` over `data`).

Rules, as payOS's documentation ("Kiểm tra dữ liệu với signature") and its official SDKs
(payos-lib-node `convertObjToQueryStr`, payos-lib-python `convert_object_to_query_string`)
build the string:
- the keys of `data` sorted (code-point order; payOS keys are ASCII), joined as `key=value` with `&`;
- values are written raw: no URL-encoding, no quoting;
- null, and the strings "null" and "undefined", become the empty string;
- booleans are `true` / `false`, integers in decimal; a float is written as JavaScript would
  (1.0 -> `1`), since payOS is JSON and JSON has one number type;
- an array becomes compact JSON (`[{"a":1},{"b":2}]`), each object in it with its keys sorted,
  non-ASCII left as is.
- A nested object is not specified (the SDKs disagree; webhook `data` has none): written here
  as compact JSON with sorted keys, like arrays.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import re
from typing import Any, Mapping

_HEX64 = re.compile(r"[0-9a-fA-F]{64}", re.ASCII)


def payos_signature(data: Mapping[str, Any], key: str) -> str:
    """The lower-case hex signature payOS puts next to `data`."""
    text = "&".join(f"{name}={_render(data[name])}" for name in sorted(data))
    return hmac.new(key.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).hexdigest()


def check_payos_signature(body: Mapping[str, Any], key: str) -> bool:
    """True when `body["signature"]` signs `body["data"]` under `key`, compared in constant time.

    False, never an exception, for anything else: no or empty key, no data, no or malformed signature.
    """
    try:
        if not key or not isinstance(key, str) or not isinstance(body, Mapping):
            return False
        data, signature = body.get("data"), body.get("signature")
        if not isinstance(data, Mapping) or not isinstance(signature, str) or not _HEX64.fullmatch(signature):
            return False
        expected = payos_signature(data, key)
    except (TypeError, ValueError, RecursionError):
        return False
    return hmac.compare_digest(expected.encode("ascii"), signature.lower().encode("ascii"))


def _render(value: Any) -> str:
    if value is None or value in ("null", "undefined"):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _js_number(value)
    if isinstance(value, list | tuple):
        items = [_sorted(item) if isinstance(item, Mapping) else item for item in value]
        return json.dumps(items, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, Mapping):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return str(value)


def _sorted(obj: Mapping[str, Any]) -> dict[str, Any]:
    return {k: obj[k] for k in sorted(obj)}


def _js_number(value: float) -> str:
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return repr(value)
