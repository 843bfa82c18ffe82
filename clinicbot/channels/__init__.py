"""The input channels patients reach (credentials.yml): REST and socket.io,
both behind the same message checks (message_guard) and the same "no
reply" fallback (no_reply)."""
