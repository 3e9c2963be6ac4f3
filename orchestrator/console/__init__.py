"""The operator console: a web page over the public API (static files; no data of its own)."""
