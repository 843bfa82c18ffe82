"""A TCP relay between a client and a real server, for tests of what the
network does to them: a connection cut (tests/cluster) or replies held back
(tests/web)."""

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class TcpProxy:
    """A TCP relay in a thread. stop() cuts every connection, like a database
    going away; inside held() the far end's bytes wait here, like a stalled
    link (the far end is the real server either way)."""

    def __init__(self, target_port: int, listen_port: int):
        self.target_port, self.listen_port = target_port, listen_port
        self._server: socket.socket | None = None
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._flowing = threading.Event()
        self._flowing.set()
        self._cut = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listen_port}"

    @contextmanager
    def held(self) -> Iterator[None]:
        """While inside, nothing the target sends reaches the client; then all of it does."""
        self._flowing.clear()
        try:
            yield
        finally:
            self._flowing.set()

    @contextmanager
    def cut(self) -> Iterator[None]:
        """While inside, every connection is dropped and new ones are closed at
        once, like a lost network; afterwards connections work again."""
        self._cut = True
        self._drop_all()
        try:
            yield
        finally:
            self._cut = False

    def _drop_all(self) -> None:
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for s in sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def start(self) -> "TcpProxy":
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.listen_port))
        server.listen(64)
        self._server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()
        return self

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            if self._cut:
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets += [client, upstream]
            for a, b, gate in ((client, upstream, None), (upstream, client, self._flowing)):
                threading.Thread(target=self._pipe, args=(a, b, gate), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket, gate: threading.Event | None) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if gate is not None:
                    gate.wait()
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def stop(self) -> None:
        self._flowing.set()
        if self._server:
            try:  # wakes the thread blocked in accept(); close() alone leaves it listening
                self._server.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._server.close()
            self._server = None
        self._drop_all()
