"""The app's one `DaprApp`: every pub/sub subscription of an app is registered on it.

`DaprApp(app)` adds the `GET /dapr/subscribe` route that lists subscriptions
to Dapr; a second instance would add a second route that is never reached,
and its subscriptions would silently never start.
"""

from __future__ import annotations

from dapr.ext.fastapi import DaprApp
from fastapi import FastAPI

__all__ = ["subscriptions"]


def subscriptions(app: FastAPI) -> DaprApp:
    """The app's DaprApp, created on first use."""
    existing = getattr(app.state, "dapr_app", None)
    if isinstance(existing, DaprApp):
        return existing
    created = DaprApp(app)
    app.state.dapr_app = created
    return created
