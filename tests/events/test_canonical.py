"""The canonical content encoding: deterministic across processes and insensitive to order."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

from hypothesis import given
from hypothesis import strategies as st

from panther_events import create_content_based_uuid
from panther_events._canonical import canonical_data, jsonable

_SCRIPT = """
import panther_events as p
config = {"z": {1, 2, 3}, "a": {"y": 1.5, "b": [None, True]}, "s": frozenset({"q", "r"})}
e = p.TestCreatedEvent(test_id="t1", test_name="n", config=config)
print(e.id, e.content_signature)
"""


def _ids_with_seed(seed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    return subprocess.run(
        [sys.executable, "-c", _SCRIPT], env=env, capture_output=True, text=True, check=True
    ).stdout


def test_ids_identical_across_hash_seeds() -> None:
    """Two processes with different PYTHONHASHSEED give the same id (sets included)."""
    assert _ids_with_seed("1") == _ids_with_seed("12345") != ""


json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(st.dictionaries(st.text(), json_values, max_size=6), st.randoms())
def test_order_does_not_matter(data: dict[str, object], rnd: object) -> None:
    """Equal content in any insertion order encodes identically."""
    items = list(data.items())
    rnd.shuffle(items)  # type: ignore[attr-defined]
    assert canonical_data(dict(items)) == canonical_data(data)


@given(st.text())
def test_fast_uuid5_equals_stdlib(content: str) -> None:
    """create_content_based_uuid equals str(uuid.uuid5(NAMESPACE_OID, content))."""
    assert create_content_based_uuid(content) == str(uuid.uuid5(uuid.NAMESPACE_OID, content))


def test_tagged_values_do_not_collide_with_strings() -> None:
    """A datetime and its ISO text encode differently."""
    from datetime import UTC, datetime

    when = datetime(2026, 1, 1, tzinfo=UTC)
    assert canonical_data({"t": when}) != canonical_data({"t": when.isoformat()})


def test_nan_and_big_integers_are_stable() -> None:
    """NaN, infinities and huge integers have one fixed text."""
    assert canonical_data({"x": float("nan")}) == '{"x":NaN}'
    assert canonical_data({"x": 2**70}) == '{"x":1180591620717411303424}'


def test_jsonable_is_json_native() -> None:
    """jsonable turns anything into JSON-native values."""
    import json
    from pathlib import Path

    value = jsonable({"p": Path("/x"), "s": {3, 1}, "n": float("inf"), 1: b"a"})
    assert json.loads(json.dumps(value)) == {"p": "/x", "s": [1, 3], "n": "inf", "1": "YQ=="}
