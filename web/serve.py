"""The demo clinic page with the chat widget, served on 127.0.0.1:8080.

web/index.html is a template filled with the clinic's details from clinic.yml
at serve time; the widget bundle comes straight from web/node_modules (npm ci),
so no third-party code is copied into the repository.

    python -m web.serve --port 8080 --bot-url http://127.0.0.1:5005
"""

import argparse
import html
import json
import re
import string
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from clinicbot import settings

WEB = settings.PROJECT_ROOT / "web"
BUNDLE = WEB / "node_modules" / "rasa-webchat" / "lib" / "index.js"

# URL path -> (file, content type). Nothing else is served.
STATIC: dict[str, tuple[Path, str]] = {
    "/chat.js": (WEB / "chat.js", "text/javascript; charset=utf-8"),
    "/style.css": (WEB / "style.css", "text/css; charset=utf-8"),
    "/webchat.js": (BUNDLE, "text/javascript; charset=utf-8"),
}


# The widget bundle's CSS imports a Google font: embedded on a page without
# our CSP, every visit to a mental-health page would tell Google. It is cut
# out as the bundle is served; the widget falls back to the page's font.
THIRD_PARTY_IMPORT = re.compile(rb"@import url\(https?://[^)]*\);?")


def static_body(path: str) -> bytes:
    body = STATIC[path][0].read_bytes()
    return THIRD_PARTY_IMPORT.sub(b"", body) if path == "/webchat.js" else body


def content_security_policy(bot_url: str) -> str:
    """Only this page and the Rasa server: a visit tells no third party anything."""
    bot = urlsplit(bot_url)
    ws = ("wss" if bot.scheme == "https" else "ws") + "://" + bot.netloc
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            # The bundle injects its CSS as <style> elements and style attributes.
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",  # the widget's icons are data: URIs
            "font-src 'self'",
            f"connect-src 'self' {bot.scheme}://{bot.netloc} {ws}",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )


def security_headers(bot_url: str) -> dict[str, str]:
    return {
        "Content-Security-Policy": content_security_policy(bot_url),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cross-Origin-Resource-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    }


def render_page(bot_url: str) -> bytes:
    clinic = settings.load().get("clinic", {})
    phone = clinic.get("phone", "")
    values = {
        "clinic_name": clinic.get("name", "Our clinic"),
        "clinic_phone": phone,
        "clinic_phone_href": settings.phone_link(phone),
        "clinic_hours": clinic.get("hours", ""),
        "bot_url": bot_url,
        # The widget's "Get help now" panel and its offline backstop (chat.js).
        "help_links": json.dumps(settings.help_links("crisis")),
        # The privacy screen on shared computers (chat.js); 0 turns it off.
        "idle_ms": str(int(settings.idle_minutes() * 60_000)),
    }
    template = string.Template((WEB / "index.html").read_text(encoding="utf-8"))
    escaped = {key: html.escape(value, quote=True) for key, value in values.items()}
    return template.substitute(escaped).encode("utf-8")


def make_handler(bot_url: str):
    headers = security_headers(bot_url)

    class PageHandler(BaseHTTPRequestHandler):
        def version_string(self) -> str:
            return "clinic-page"  # no Python version in the Server header

        def do_GET(self) -> None:
            self._serve(send_body=True)

        def do_HEAD(self) -> None:
            self._serve(send_body=False)

        def _serve(self, send_body: bool) -> None:
            status, body, content_type = HTTPStatus.OK, b"", "text/plain; charset=utf-8"
            path = urlsplit(self.path).path
            if path in ("/", "/index.html"):
                body, content_type = render_page(bot_url), "text/html; charset=utf-8"
            elif path in STATIC and STATIC[path][0].is_file():
                body, content_type = static_body(path), STATIC[path][1]
            else:
                status, body = HTTPStatus.NOT_FOUND, b"Not found\n"
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            if send_body:
                self.wfile.write(body)

    return PageHandler


def make_server(port: int, bot_url: str, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    if not BUNDLE.is_file():
        raise FileNotFoundError(f"{BUNDLE} is missing: run `npm ci` in web/ (make run does it).")
    server = ThreadingHTTPServer((host, port), make_handler(bot_url.rstrip("/")))
    server.daemon_threads = True
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--bot-url", default="http://127.0.0.1:5005", help="the Rasa server the widget talks to")
    args = parser.parse_args()
    server = make_server(args.port, args.bot_url)
    print(f"Demo page on http://localhost:{args.port}/ (chat server {args.bot_url})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
