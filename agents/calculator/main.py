"""Wiring: settings -> service -> API."""

from __future__ import annotations

from fastapi import FastAPI

from agents.calculator.api import router
from agents.calculator.service import CalculatorService
from agents.calculator.settings import CalculatorSettings
from chassis import create_app

__all__ = ["VERSION", "build_app"]

VERSION = "0.1.0"


def build_app(settings: CalculatorSettings | None = None) -> FastAPI:
    """The calculator app."""
    settings = settings or CalculatorSettings()
    app = create_app(
        settings=settings,
        title="Hubspoke calculator agent",
        version=VERSION,
        description="Evaluates arithmetic in plain text, e.g. '17% of 240'.",
        routers=[router],
    )
    app.state.service = CalculatorService(settings.app_id)
    return app
