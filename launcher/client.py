"""Talk to a running assistant and watch its processes: the one REST client
and the one memory probe that tests, `make bench` and `make soak` share."""

import functools
import json
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any, NamedTuple

from launcher.servers import rest_token

REST_PATH = "/webhooks/rest/webhook"


class Reply(NamedTuple):
    status: int  # 0 when no HTTP answer came (refused, reset, timed out)
    body: Any  # parsed JSON, or the raw text when it was not JSON


@functools.lru_cache(maxsize=1)
def _token() -> str:
    """Read once: bench and soak runs post thousands of messages."""
    return rest_token()


def post(url: str, body: bytes, headers: dict[str, str] | None = None, timeout: float = 60) -> Reply:
    """POST bytes as they are (bad-input tests send broken ones), as the integration that
    chooses its own sender ids (headers may override that); never raises for HTTP or network errors."""
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {_token()}", **(headers or {})}
    request = urllib.request.Request(url, data=body, headers={k: v for k, v in headers.items() if v is not None})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Reply(response.status, _parse(response.read()))
    except urllib.error.HTTPError as error:
        return Reply(error.code, _parse(error.read()))
    except (OSError, ValueError) as error:
        return Reply(0, str(error))


def _parse(raw: bytes) -> Any:
    try:
        return json.loads(raw or b"null")
    except ValueError:
        return raw.decode(errors="replace")


def say(base_url: str, text: Any, sender: str | None = None, origin: str | None = None, timeout: float = 60) -> Reply:
    """One message on the REST channel, under a new sender id unless one is given."""
    body = json.dumps({"sender": sender or uuid.uuid4().hex, "message": text}).encode()
    return post(base_url + REST_PATH, body, {"Origin": origin} if origin else None, timeout)


def messages(base_url: str, text: Any, sender: str | None = None, timeout: float = 60) -> list[dict[str, Any]]:
    """The bot's messages for one message; raises unless the server answered 200 with a list."""
    reply = say(base_url, text, sender, timeout=timeout)
    if reply.status != 200 or not isinstance(reply.body, list):
        raise RuntimeError(f"{base_url}{REST_PATH} answered {reply.status}: {str(reply.body)[:300]}")
    return reply.body


def memory_mb(pid: int, field: str = "VmRSS") -> float:
    """Memory of a process and all its descendants, in MB, from /proc:
    VmRSS now, or VmHWM for each one's peak."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(stat.parent.name))
    total_kb, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo += children.get(current, [])
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith(f"{field}:"):
                    total_kb += int(line.split()[1])
        except OSError:
            continue
    return round(total_kb / 1024, 1)
