"""Emitters: one per event domain, and the EmitterRegistry that validates emits against states."""

from __future__ import annotations

from .assertion import AssertionEventEmitter
from .base import EntityEventEmitterBase, EventEmitter, EventEmitterBase
from .environment import EnvironmentEventEmitter
from .experiment import ExperimentEventEmitter
from .metrics import MetricsEventEmitter
from .plugin import PluginEventEmitter
from .registry import EmitterRegistry
from .service import ServiceEventEmitter
from .step import StepEventEmitter
from .test import TestEventEmitter

__all__ = [
    "AssertionEventEmitter",
    "EmitterRegistry",
    "EntityEventEmitterBase",
    "EnvironmentEventEmitter",
    "EventEmitter",
    "EventEmitterBase",
    "ExperimentEventEmitter",
    "MetricsEventEmitter",
    "PluginEventEmitter",
    "ServiceEventEmitter",
    "StepEventEmitter",
    "TestEventEmitter",
]
