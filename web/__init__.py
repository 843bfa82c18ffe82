"""The demo page and chat widget (index.html, chat.js, style.css) and the
small web server that serves them on localhost (serve)."""
