"""Text from events made safe to show: control characters written as escapes, never obeyed.

Event data comes from protocol traffic, service output, imports and NATS producers: an escape
sequence or a carriage return written raw to a terminal or a log could set the window title,
clear the screen, hide a line or reorder text. Everything that shows such text goes through
these functions.
"""

from __future__ import annotations

__all__ = ["json_visible", "visible", "visible_lines", "xml_visible"]

# C0 controls, DEL and C1 controls, plus the Unicode format characters that reorder or hide
# text (bidirectional overrides and isolates, zero-width marks, the byte order mark).
_CONTROLS = [*range(0x00, 0x20), *range(0x7F, 0xA0)]
_FORMATS = [0x200B, 0x200C, 0x200D, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_FORMATS += [0x2028, 0x2029, 0xFEFF]
_TABLE = {code: repr(chr(code))[1:-1] for code in _CONTROLS}
# repr() leaves the format characters as they are: spell them out.
_TABLE.update({code: f"\\u{code:04x}" for code in _FORMATS})
# JSON already escapes C0 controls; the others are escaped the JSON way (still valid JSON,
# parsing back to the same text), since they can only occur inside a JSON string.
_JSON_TABLE = {code: f"\\u{code:04x}" for code in [*range(0x7F, 0xA0), *_FORMATS]}
# XML 1.0 allows tab and newline but no other C0 control, no lone surrogate, no U+FFFE/FFFF.
_XML_TABLE = {code: text for code, text in _TABLE.items() if code not in (0x09, 0x0A)}
_XML_TABLE.update({code: f"\\u{code:04x}" for code in [*range(0xD800, 0xE000), 0xFFFE, 0xFFFF]})


def visible(text: object) -> str:
    """``str(text)`` with every control character written as an escape (``\\x1b``, ``\\r``).

    Printable text, including non-ASCII letters, is unchanged; a backslash is left as it is,
    so the result is for eyes, not for parsing back. The result is one line.
    """
    text = str(text)
    # The common case, checked in C: nothing to escape (every escaped character is one that
    # ``isprintable`` rejects).
    return text if text.isprintable() else text.translate(_TABLE)


def visible_lines(text: object) -> str:
    """Like ``visible`` but keeping the line breaks (``\\n``) of multi-line text, such as a
    service's output quoted in a failure."""
    return "\n".join(visible(line) for line in str(text).split("\n"))


def json_visible(text: str) -> str:
    """JSON text (from ``json.dumps``) with C1 controls and bidi/zero-width characters
    escaped as ``\\uXXXX`` too: it parses to the same value and cannot drive a terminal."""
    return text.translate(_JSON_TABLE)


def xml_visible(xml: str) -> str:
    """Serialized XML with its control characters written as escapes (``\\x1b``): well-formed
    XML 1.0 (which forbids most of them), and safe to show in a terminal. Such characters can
    only occur in text and attribute values, so the markup is unchanged."""
    return xml.translate(_XML_TABLE)
