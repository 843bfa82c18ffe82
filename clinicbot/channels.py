"""Rasa's socket.io channel, accepting connections only from the clinic's pages.

Rasa 3.6 creates its socket.io server with `cors_allowed_origins=[]`, which
turns origin checking off: `rasa run --cors` covers HTTP requests, but a
WebSocket from any website would be accepted (browsers apply no CORS to
WebSockets). Setting python-socketio's own list is not enough either: then
both it and Sanic-CORS write Access-Control-Allow-Origin on polling responses
and browsers reject the duplicate. So the check happens at connect time.

Enabled in credentials.yml as `clinicbot.channels.ClinicSocketIOInput`.
"""
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint

from clinicbot import settings


def origin_allowed(environ: Dict[Text, Any]) -> bool:
    """Browsers always send Origin; a client without one (a script) is not
    a page, and origin checks cannot stop scripts anyway."""
    origin = environ.get("HTTP_ORIGIN")
    return origin is None or origin in settings.allowed_origins()


class ClinicSocketIOInput(SocketIOInput):
    @classmethod
    def name(cls) -> Text:
        # Same name as Rasa's channel: the widget and the tracker store see "socketio".
        return "socketio"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        socketio_webhook = super().blueprint(on_new_message)
        namespace = self.namespace or "/"
        rasa_connect = self.sio.handlers[namespace]["connect"]

        @self.sio.on("connect", namespace=self.namespace)
        async def connect(sid: Text, environ: Dict, auth: Optional[Dict] = None) -> bool:
            if not origin_allowed(environ):
                return False
            return await rasa_connect(sid, environ, auth)

        return socketio_webhook
