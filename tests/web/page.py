"""The demo page served in a thread, for tests that need it on its own."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from launcher import servers
from web import serve


@contextmanager
def serving(bot_url: str) -> Iterator[str]:
    """The demo page talking to `bot_url`; yields the page's origin."""
    server = serve.make_server(servers.free_port(), bot_url)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
