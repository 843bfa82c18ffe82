"""Where conversations are kept (endpoints.yml): a SQL tracker store that
redacts contact details before they are written, and a Redis lock store
that is safe between servers."""
