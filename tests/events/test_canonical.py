"""The canonical content encoding: deterministic across processes and insensitive to order."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from panther_events import EventType, EventValidationError, GenericEvent, create_content_based_uuid
from panther_events._canonical import _PLANS, _PLANS_LIMIT, _encoded, canonical_data, jsonable

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


class Vector:
    """A numpy-like value: exact state through ``tolist()``, an abbreviated repr."""

    def __init__(self, values: list[float]) -> None:
        self.values = values

    def tolist(self) -> list[float]:
        return list(self.values)

    def __repr__(self) -> str:  # abbreviated, as numpy's is past 1,000 elements
        return f"Vector([{self.values[0]}, ..., {self.values[-1]}])"


class Opaque:
    """State in ``__dict__``, one repr for every instance."""

    def __init__(self, value: object) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "<Opaque>"


class Slotted:
    """No ``__dict__``, no ``tolist``, a repr that is not Python: nothing exact to encode."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value


def _event(data: dict[str, object]) -> GenericEvent:
    return GenericEvent("x", EventType.SYSTEM, "e", data)


class TestDifferentDataDifferentIds:
    """Content ids of different data differ: nothing is encoded by a lossy text."""

    def test_arrays_differing_in_the_middle(self) -> None:
        """Two 3,000-element arrays with equal abbreviated reprs get different ids."""
        first = [float(i) for i in range(3000)]
        second = [*first[:1500], -1.0, *first[1501:]]
        assert repr(Vector(first)) == repr(Vector(second))
        assert _event({"a": Vector(first)}).id != _event({"a": Vector(second)}).id

    def test_objects_with_equal_reprs(self) -> None:
        """Objects whose reprs are equal but whose state differs get different ids."""
        assert _event({"o": Opaque(1)}).id != _event({"o": Opaque(2)}).id

    def test_values_of_different_types_differ_but_keys_are_strings(self) -> None:
        """``1``, ``"1"``, ``True`` and ``1.0`` give four ids (docs/concepts.md); a dict key is
        a string in the wire form, so ``{1: x}`` and ``{"1": x}`` share theirs, as documented."""
        values: list[object] = [1, "1", True, 1.0]
        assert len({_event({"v": v}).id for v in values}) == 4
        assert _event({"d": {1: "x"}}).id == _event({"d": {"1": "x"}}).id

    def test_equal_state_equal_id(self) -> None:
        """Equal state gives equal ids, in any process."""
        assert _event({"o": Opaque([1, 2])}).id == _event({"o": Opaque([1, 2])}).id

    def test_user_dict_shaped_like_a_tag(self) -> None:
        """A user dict shaped like a datetime tag does not get the datetime's id."""
        when = datetime(2026, 1, 1, tzinfo=UTC)
        lookalike = {"$type": "datetime", "value": when.isoformat()}
        assert canonical_data({"t": lookalike}) != canonical_data({"t": when})
        assert _event({"t": lookalike}).id != _event({"t": when}).id

    def test_escaped_lookalike_of_an_escape(self) -> None:
        """Escaping is injective: a dict shaped like an escaped dict stays apart from it."""
        inner = {"$type": "x"}
        assert canonical_data({"a": inner}) != canonical_data(
            {"a": {"$type": "dict", "value": inner}}
        )

    def test_round_tripping_repr_is_used(self) -> None:
        """A value whose repr reads back equal (a complex number) is encoded by it."""
        assert _event({"c": 1 + 2j}).id != _event({"c": 1 + 3j}).id

    def test_value_with_no_exact_encoding_is_refused(self) -> None:
        """A value with no exact encoding is refused at construction, naming where it is."""
        with pytest.raises(EventValidationError, match=r"data\['cfg'\]\['s'\].*Slotted"):
            _event({"cfg": {"s": Slotted(1)}})

    def test_function_is_refused(self) -> None:
        """A function (whose state says nothing about it) is refused, not merged."""
        with pytest.raises(EventValidationError, match="function"):
            _event({"f": len})

    def test_huge_int_is_a_clear_error(self) -> None:
        """A 5,000-digit int raises EventValidationError, not a bare ValueError."""
        with pytest.raises(EventValidationError, match=r"data\['n'\].*digits"):
            _event({"n": 10**5000})

    def test_deep_data_is_a_clear_error(self) -> None:
        """5,000-deep data raises EventValidationError, not a bare RecursionError."""
        deep: list[object] = []
        for _ in range(5000):
            deep = [deep]
        with pytest.raises(EventValidationError, match="deep"):
            _event({"d": deep})

    def test_cycle_is_a_clear_error(self) -> None:
        """Data that contains itself is refused, naming the place."""
        cyclic: dict[str, object] = {}
        cyclic["self"] = cyclic
        with pytest.raises(EventValidationError, match=r"data\['c'\]\['self'\]"):
            _event({"c": cyclic})

    def test_add_data_refusal_leaves_the_event_unchanged(self) -> None:
        """add_data with an unencodable value raises and keeps the event as it was."""
        event = _event({"a": 1})
        before = event.id
        with pytest.raises(EventValidationError):
            event.add_data("s", Slotted(1))
        assert event.id == before and event.data == {"a": 1}


def test_deep_plain_data_never_escapes_as_recursion_error() -> None:
    """JSON data deep enough to pass the encoder but not the wire conversion: a clear error."""
    deep: list[object] = []
    for _ in range(700):
        deep = [deep]
    try:
        event = GenericEvent("x", EventType.SYSTEM, "e", {"d": deep})
    except EventValidationError:
        return
    with pytest.raises(EventValidationError, match="nested too deeply"):
        event.to_dict()


# -- the flat fast path writes exactly what the encoder writes ---------------------------------

_ENCODER_TEXT = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=True
).encode


class _Text(str):
    """A str subclass whose str() and format() lie: the encoder writes its characters."""

    def __str__(self) -> str:
        return "lie"

    def __format__(self, spec: str) -> str:
        return "lie"


# Text weighted towards what needs escaping: quotes, backslashes, controls, DEL, U+2028,
# surrogates, non-ASCII letters, and the tag key itself.
_tricky_text = st.text(
    alphabet=st.sampled_from(['"', "\\", "\n", "\x00", "\x1f", "\x7f", "\u2028", "\ud800", "é"])
    | st.characters(),
    max_size=8,
) | st.sampled_from(["$type", "value", "", "steps", "expected_duration"])
_flat_values = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | _tricky_text
    | st.builds(_Text, _tricky_text)
    | st.lists(_tricky_text, max_size=3)
    | st.tuples(_tricky_text, _tricky_text)
    | st.lists(st.builds(_Text, _tricky_text), max_size=2)
    | st.lists(st.integers() | st.none(), max_size=2)
    | st.dictionaries(_tricky_text, st.integers(), max_size=2)
)


@given(st.dictionaries(_tricky_text | st.builds(_Text, _tricky_text), _flat_values, max_size=6))
def test_flat_fast_path_is_byte_identical_to_the_encoder(data: dict[str, object]) -> None:
    """Whatever the data, ``canonical_data`` returns the text of the general (encoder) path,
    and for data the encoder takes as it is (no tags) the plain ``JSONEncoder`` text."""
    assert canonical_data(data) == _encoded(data)
    if not any(key == "$type" for key in data):
        try:
            plain = _ENCODER_TEXT(data)
        except (TypeError, ValueError):
            return
        if '"$type":' not in plain:
            assert canonical_data(data) == plain


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (
            {"steps": ["connect", "handshake"], "expected_duration": 1.5},
            '{"expected_duration":1.5,"steps":["connect","handshake"]}',
        ),
        (
            {"b": None, "a": True, "c": False, "d": -3, "e": (), "f": ""},
            '{"a":true,"b":null,"c":false,"d":-3,"e":[],"f":""}',
        ),
        ({"q": 'say "hi"'}, '{"q":"say \\"hi\\""}'),
        ({"q": ['a"b', "c"]}, '{"q":["a\\"b","c"]}'),
        ({"k": "back\\slash"}, '{"k":"back\\\\slash"}'),
        ({"k": ("x", "back\\slash")}, '{"k":["x","back\\\\slash"]}'),
        ({"n": "a\nb", "k\\": 0.0}, '{"k\\\\":0.0,"n":"a\\nb"}'),
        ({"s": "\ud800", "d": "\x7f", "u": "\u2028 é"}, '{"d":"\x7f","s":"\ud800","u":"\u2028 é"}'),
        ({"x": float("nan"), "y": -0.0, "z": 1e300}, '{"x":NaN,"y":-0.0,"z":1e+300}'),
    ],
)
def test_flat_data_known_texts(data: dict[str, object], text: str) -> None:
    """Flat data, with and without characters to escape, gives the encoder's exact text."""
    assert canonical_data(data) == text


def test_flat_fast_path_refuses_a_huge_int_clearly() -> None:
    """An int too long for text is named, as on the general path (no bare ValueError)."""
    with pytest.raises(EventValidationError, match="digits"):
        canonical_data({"n": 10**5000})


def test_flat_key_plans_stay_bounded() -> None:
    """Many distinct key sets do not grow the cache of key plans without bound."""
    for i in range(_PLANS_LIMIT + 50):
        assert canonical_data({f"k{i}": i}) == f'{{"k{i}":{i}}}'
    assert len(_PLANS) <= _PLANS_LIMIT


@settings(max_examples=500)
@given(
    st.dictionaries(
        st.text(max_size=4),
        st.text(alphabet=st.sampled_from('ab"\\\n\x7fé'), max_size=4)
        | st.lists(st.text(alphabet=st.sampled_from('ab"\\\n\x7fé'), max_size=3), max_size=2)
        | st.floats()
        | st.integers(),
        max_size=3,
    )
)
def test_flat_strings_escaped_exactly(data: dict[str, object]) -> None:
    """Flat data whose strings may need escapes gives the plain encoder's text."""
    assert canonical_data(data) == _ENCODER_TEXT(data)


def test_subclass_of_a_concrete_class_keeps_its_own_content_ids_switch() -> None:
    """A subclass of a concrete event class that sets ``CONTENT_IDS = False`` gets random ids
    (the class fields the constructor reads are the subclass's own)."""
    from panther_events import TestCreatedEvent

    class Unsigned(TestCreatedEvent):
        __slots__ = ()
        CONTENT_IDS = False

    assert Unsigned("t1", "n").id != Unsigned("t1", "n").id
    assert TestCreatedEvent("t1", "n").id == TestCreatedEvent("t1", "n").id


def test_a_key_plan_for_other_keys_is_ignored() -> None:
    """A caller's key plan (an event class's) for other keys, of the same number or not,
    gives the text of the data's own keys."""
    from panther_events._canonical import key_plan

    plan = key_plan(("steps", "expected_duration"))
    assert plan is not None
    data = {"steps": ["a"], "expected_duration": 1.5}
    assert canonical_data(data, plan) == _ENCODER_TEXT(data)
    for other in ({"a": 1, "b": "x"}, {"a": 1}, {"steps": 1, "b": 2, "c": None}):
        assert canonical_data(other, plan) == _ENCODER_TEXT(other)


def test_constructor_with_varying_keys_keeps_exact_ids() -> None:
    """An event class whose constructor builds its data with different keys from one event to
    the next still gives each event the id of its own content (the class's remembered key
    plan is checked, not trusted)."""
    from panther_events import TestCreatedEvent
    from panther_events.events.base import _setup

    class Varying(TestCreatedEvent):  # a subclass: no type string of its own to register
        __slots__ = ()

        def __init__(self, test_id: str, **data: object) -> None:  # type: ignore[override]
            _setup(self, test_id, dict(data))

    for data in ({"a": 1, "b": "x"}, {"a": 1, "c": "x"}, {"z": None}, {}, {"a": 2, "b": "y"}):
        event = Varying("t1", **data)
        expected = f"test:created:t1:{_ENCODER_TEXT(data) if data else '{}'}"
        assert event.content_signature == expected
        assert event.id == str(uuid.uuid5(uuid.NAMESPACE_OID, expected))


def test_event_classes_built_after_the_plan_cache_is_full_keep_exact_ids() -> None:
    """Once the key-plan cache is full, a class first built then still gets exact ids, in a
    process of its own (the cache is per process)."""
    script = """
import uuid
import panther_events as p
from panther_events._canonical import _PLANS_LIMIT, canonical_data
for i in range(_PLANS_LIMIT + 5):
    canonical_data({f"k{i}": i})
for _ in range(3):
    e = p.TestExecutionStartedEvent("t1", ["a", "b"], 1.5)
    sig = 'test:execution_started:t1:{"expected_duration":1.5,"steps":["a","b"]}'
    assert e.content_signature == sig, e.content_signature
    assert e.id == str(uuid.uuid5(uuid.NAMESPACE_OID, sig))
print("ok")
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "ok"
