"""Rasa's socket.io channel, accepting connections only from the clinic's pages.

Rasa 3.6 creates its socket.io server with `cors_allowed_origins=[]`, which
turns origin checking off: `rasa run --cors` covers HTTP requests, but a
WebSocket from any website would be accepted (browsers apply no CORS to
WebSockets). Setting python-socketio's own list is not enough either: then
both it and Sanic-CORS write Access-Control-Allow-Origin on polling responses
and browsers reject the duplicate. So the check happens at connect time.

Messages get the same checks as on the REST channel (clinicbot.channels.message_guard):
a bad session id or a non-text message is refused with a short explanation,
an empty or over-long message gets a polite reply without reaching the model,
and a message Rasa sends nothing back for gets an apology
(clinicbot/channels/no_reply.py).

Enabled in credentials.yml as `clinicbot.channels.socketio.ClinicSocketIOInput`.
"""

from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint

from clinicbot import settings
from clinicbot.channels import client_limits, session_ids
from clinicbot.channels.message_guard import check_message, sender_problem
from clinicbot.channels.no_reply import answer_or_apologise

# Room for several times the longest message clinic.yml allows (2000 characters are
# at most 8 KB of UTF-8), so an over-long paste still gets the friendly reply.
MAX_PACKET_BYTES = 64 * 1024


def origin_allowed(environ: dict[str, Any]) -> bool:
    """Browsers always send Origin; a client without one (a script) is not
    a page, and origin checks cannot stop scripts anyway."""
    origin = environ.get("HTTP_ORIGIN")
    return origin is None or origin in settings.allowed_origins()


def client_address(environ: dict[str, Any]) -> str:
    """The peer's address: python-engineio's Sanic driver puts 127.0.0.1 in
    REMOTE_ADDR whatever the peer, but keeps the Sanic request."""
    request = environ.get("sanic.request")
    return str(getattr(request, "ip", "") or environ.get("REMOTE_ADDR", ""))


class LinkButtonsOutput(SocketIOOutput):
    """Rasa's socket.io output keeps only a button's title and payload, so a
    one-tap "Call 988" link (clinicbot/nlg.py) would arrive as a button that
    sends nothing useful. Replies with link buttons go out as rasa-webchat's
    `buttons`, which it renders as real <a href="tel:..."> links."""

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        if not any(button.get("url") for button in buttons):
            return await super().send_text_with_buttons(recipient_id, text, buttons, **kwargs)
        *leading, last = text.strip().split("\n\n")
        for part in leading:
            await self._send_message(recipient_id, {"text": part})
        rendered = [
            {"type": "web_url", "title": b["title"], "url": b["url"]}
            if b.get("url")
            else {"type": "postback", "title": b["title"], "payload": b.get("payload", "")}
            for b in buttons
        ]
        await self._send_message(recipient_id, {"text": last, "buttons": rendered})


def with_link_buttons(
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
) -> Callable[[UserMessage], Awaitable[Any]]:
    """Rasa's socket.io handler builds its own SocketIOOutput; swap in ours."""

    async def handle(message: UserMessage) -> Any:
        channel = message.output_channel
        if type(channel) is SocketIOOutput:
            message.output_channel = LinkButtonsOutput(channel.sio, channel.bot_message_evt)
        return await on_new_message(message)

    return handle


class ClinicSocketIOInput(SocketIOInput):
    @classmethod
    def name(cls) -> str:
        # Same name as Rasa's channel: the widget and the tracker store see "socketio".
        return "socketio"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        socketio_webhook = super().blueprint(with_link_buttons(answer_or_apologise(on_new_message)))
        # A packet past MAX_PACKET_BYTES closes the connection before it is
        # parsed or buffered further (Engine.IO's default is 1 MB); anything
        # shorter but over chat.max_message_chars gets the friendly reply below.
        self.sio.eio.max_http_buffer_size = MAX_PACKET_BYTES
        namespace = self.namespace or "/"
        rasa_connect = self.sio.handlers[namespace]["connect"]
        rasa_handle_message = self.sio.handlers[namespace][self.user_message_evt]

        async def answer(sid: str, text: str) -> None:
            await self.sio.emit(self.bot_message_evt, {"text": text}, room=sid, namespace=self.namespace)

        # Each connection's client address, for the per-client limits (clinicbot/channels/client_limits.py).
        addresses: dict[str, str] = {}

        @self.sio.on("connect", namespace=self.namespace)
        async def connect(sid: str, environ: dict, auth: dict | None = None) -> bool:
            if not origin_allowed(environ):
                return False
            address = client_address(environ)
            if not client_limits.connections.open(address):
                return False
            addresses[sid] = address
            return await rasa_connect(sid, environ, auth)

        # The conversation each connection was given: it may speak only there.
        bound: dict[str, str] = {}
        rasa_disconnect = self.sio.handlers[namespace].get("disconnect")

        @self.sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: Any = None) -> None:
            data = data if isinstance(data, dict) else {}
            # Its own id back (a reload), the one this connection already has
            # (the widget may ask twice), or a fresh one: never one a client made up.
            requested = data.get("session_id")
            session_id = requested if session_ids.is_issued(requested) else bound.get(sid) or session_ids.issue()
            bound[sid] = session_id
            # Rasa's own handler calls enter_room() without await, which since
            # python-socketio 5.10 never joins the room: no reply would arrive.
            if self.session_persistence:
                await self.sio.enter_room(sid, session_id, namespace=self.namespace)
            await self.sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        @self.sio.on("disconnect", namespace=self.namespace)
        async def disconnect(sid: str) -> None:
            bound.pop(sid, None)
            if sid in addresses:
                client_limits.connections.close(addresses.pop(sid))
            if rasa_disconnect is not None:
                await rasa_disconnect(sid)

        @self.sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: str, data: Any = None) -> None:
            if not client_limits.messages.allow(addresses.get(sid, "")):
                return await answer(sid, client_limits.TOO_FAST)
            if not isinstance(data, dict):
                return await answer(sid, "A message must be an object with 'message' and 'session_id'.")
            if self.session_persistence:
                problem = sender_problem(data.get("session_id"))
                if problem:
                    return await answer(sid, problem.replace("'sender'", "'session_id'"))
                if bound.get(sid) != data["session_id"]:
                    return await answer(
                        sid,
                        "This chat connection belongs to another conversation. Please reload the page to "
                        "continue. If you need help now, call or text 988.",
                    )
            if not isinstance(data.get("message"), str):
                return await answer(sid, "'message' must be text.")
            verdict = check_message(data["message"])
            if verdict.reply:
                return await answer(sid, verdict.reply)
            # Only what the widget needs: nothing a client invents (metadata of
            # any size or content) reaches the tracker store.
            await rasa_handle_message(sid, {"message": verdict.text, "session_id": data.get("session_id")})

        return socketio_webhook
