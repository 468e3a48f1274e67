"""Shared fixtures: every test starts with a fresh default EventManager."""

from __future__ import annotations
