"""The read-only dashboard over an event store: live run pages and run comparisons (``web`` extra).

Start it with ``panther-events serve`` (see docs/dashboard.md) or build the ASGI application
with ``create_app(db)`` and serve it with any ASGI server.
"""

from __future__ import annotations

from .app import create_app

__all__ = ["create_app"]
