"""Conversation ids that the socket.io channel issues itself: a random part
and an HMAC of it, so a client can keep its own conversation across reloads
but cannot make one up, guess one, or pick another client's short id.

The secret comes from CHAT_SESSION_SECRET (the launcher keeps one in
var/chat_session_secret for `make run` and the cluster, so every Rasa server
accepts every other's ids and a restart keeps conversations going). Without
it a process makes its own, and ids last only as long as that process."""

import hashlib
import hmac
import logging
import os
import re
import secrets
import uuid

SECRET_ENV = "CHAT_SESSION_SECRET"
# REST integrations that keep their own ids show this token instead (clinicbot/channels/rest.py).
REST_TOKEN_ENV = "CHAT_REST_TOKEN"
_ID = re.compile(r"^([0-9a-f]{32})\.([0-9a-f]{20})$")
_fallback = secrets.token_hex(32)
log = logging.getLogger(__name__)


def _secret() -> bytes:
    value = os.environ.get(SECRET_ENV, "")
    if not value:
        log.warning("%s is not set: chat ids will not survive a restart of this server", SECRET_ENV)
        value = _fallback
    return value.encode()


def _mac(random_part: str) -> str:
    return hmac.new(_secret(), random_part.encode(), hashlib.sha256).hexdigest()[:20]


def issue() -> str:
    random_part = uuid.uuid4().hex
    return f"{random_part}.{_mac(random_part)}"


def is_issued(session_id: object) -> bool:
    """True only for an id this deployment issued."""
    match = _ID.match(session_id) if isinstance(session_id, str) else None
    if match is None:
        return False
    return hmac.compare_digest(match.group(2), _mac(match.group(1)))
