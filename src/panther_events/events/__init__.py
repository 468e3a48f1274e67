"""The event model: BaseEvent, EventType, and every concrete event class, one module per domain."""

from __future__ import annotations

from .assertion import *  # noqa: F403
from .base import *  # noqa: F403
from .environment import *  # noqa: F403
from .experiment import *  # noqa: F403
from .metrics import *  # noqa: F403
from .plugin import *  # noqa: F403
from .service import *  # noqa: F403
from .step import *  # noqa: F403
from .system import *  # noqa: F403
from .test import *  # noqa: F403
