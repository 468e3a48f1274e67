"""``${name}`` variables in experiment files, and their substitution at run time."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["TemplateError", "names_in", "substitute"]

_VARIABLE = re.compile(r"\$\{([^}]*)\}|\$\$")


class TemplateError(ValueError):
    """A ``${...}`` variable names nothing known; the message lists what is."""


def names_in(value: Any) -> list[str]:
    """Return every variable name used in ``value`` (strings, lists and dicts, recursively)."""
    if isinstance(value, str):
        return [m.group(1) for m in _VARIABLE.finditer(value) if m.group(1) is not None]
    if isinstance(value, Mapping):
        return [n for v in value.values() for n in names_in(v)]
    if isinstance(value, list | tuple):
        return [n for v in value for n in names_in(v)]
    return []


def substitute(value: Any, variables: Mapping[str, str]) -> Any:
    """Replace ``${name}`` in every string of ``value`` (``$$`` is a literal ``$``).

    Args:
        value: a string, or lists and dicts holding strings; other values pass through.
        variables: the values by name (``port``, ``workdir``, ``service.echo.port``...).

    Returns:
        A copy of ``value`` with every variable replaced.

    Raises:
        TemplateError: a variable is not in ``variables``.
    """
    if isinstance(value, str):

        def repl(match: re.Match[str]) -> str:
            name = match.group(1)
            if name is None:
                return "$"
            try:
                return variables[name]
            except KeyError:
                raise TemplateError(
                    f"unknown variable ${{{name}}}; known here: {sorted(variables)}"
                ) from None

        return _VARIABLE.sub(repl, value)
    if isinstance(value, Mapping):
        return {k: substitute(v, variables) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [substitute(v, variables) for v in value]
    return value
