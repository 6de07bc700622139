"""Live updates for screens: the shared feed and read model of each office (hub, queue), the streams (streams) and
the fees on a counter's screens (fees), its satisfaction tablet (ratings), the manager's live view (manager)."""
from services.live.fees import counter_screen, pay_screen
from services.live.manager import manager_screen
from services.live.ratings import rate_screen
from services.live.hub import Delivery, LiveHub, sse_event
from services.live.streams import HEARTBEAT_S, event_stream, phone_response, sse_response

__all__ = ["HEARTBEAT_S", "Delivery", "LiveHub", "counter_screen", "manager_screen", "event_stream", "pay_screen", "phone_response", "rate_screen",
           "sse_event", "sse_response"]
