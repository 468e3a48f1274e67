"""BaseEvent, the EventType enum, and the registry of concrete event classes by type string."""

from __future__ import annotations

import enum
import os
from abc import ABC
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from random import getrandbits
from time import time as _time
from typing import TYPE_CHECKING, Any, ClassVar, Generic, NoReturn, TypeVar, final, overload

from .._canonical import KeyPlan, create_content_based_uuid, jsonable, key_plan
from ..exceptions import EventValidationError
from ._wire import create_event_signature, wire_form

__all__ = [
    "BaseEvent",
    "EventType",
    "GenericEvent",
    "event_class_for",
    "registered_event_types",
]


class EventType(enum.Enum):
    """The kind of entity an event is about; the first segment of every type string."""

    EXPERIMENT = "experiment"
    TEST = "test"
    SERVICE = "service"
    ENVIRONMENT = "environment"
    SYSTEM = "system"
    METRICS = "metrics"
    STEP = "step"
    ASSERTION = "assertion"
    PLUGIN = "plugin"


_ENTITY_VALUES = {member: member.value for member in EventType}

# type string -> concrete class; filled by BaseEvent.__init_subclass__.
_EVENT_CLASSES: dict[str, type[BaseEvent]] = {}
# BaseEvent and every subclass: ``type(x) in`` it tells an event from a plain object that
# happens to have the same attribute names, cheaper than ``isinstance`` against an ABC.
KINDS: set[type[BaseEvent]] = set()

# Random ids come from a PRNG seeded per process: uuid4() reads os.urandom each call, which costs
# more than the rest of building an event, and these ids only need to be unique, not secret.
_pid = os.getpid()


def _random_uuid() -> str:
    bits = getrandbits(128)
    bits = (bits & ~(0xF000 << 64)) | (0x4000 << 64)  # version 4
    bits = (bits & ~(0xC000 << 48)) | (0x8000 << 48)  # RFC 4122 variant
    h = f"{bits:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class BaseEvent(ABC):
    """Foundation class for all events.

    An event names what happened (``name``) to which entity (``entity_type``, ``entity_id``),
    when (``timestamp``, timezone-aware UTC unless given), with ``data``. Its ``id`` is the UUID5
    of its content signature (so equal content gives equal ids, for deduplication), or a random
    UUID4 when ``use_content_uuid`` is false. Events are mutable only through ``add_data``, which
    regenerates the content id.

    Data keys are readable as attributes: ``event.test_name`` is ``event.data["test_name"]``
    (concrete classes answer them with properties, generic ones through ``__getattr__``; see
    ``_add_data_attributes``).

    The content id encodes the data exactly (see ``_canonical``): data holding a value with no
    exact encoding (a lock, a function, an object with no readable state) is refused rather
    than given the id of other data. An event built with ``use_content_uuid=False`` needs no
    encoding and accepts any data.

    Raises:
        EventValidationError: (a ``ValueError``) for an empty ``name`` or ``entity_id``, or
            data with no exact encoding (the message says where it is).
        TypeError: when ``entity_type`` is not an ``EventType`` or ``data`` is not a mapping.
    """

    __slots__ = (
        "_created",
        "_signature",
        "_timestamp",
        "_type",
        "_use_content_uuid",
        "data",
        "entity_id",
        "entity_type",
        "id",
        "name",
    )

    #: The type string of a concrete class (``"test.created"``); empty on generic classes.
    EVENT_TYPE: ClassVar[str] = ""
    #: The domain's id parameter (``"test_id"``); reads as ``entity_id``.
    ID_FIELD: ClassVar[str] = ""
    #: Measurement events are never content duplicates of one another (see metrics).
    CONTENT_IDS: ClassVar[bool] = True
    # Stop pytest from collecting Test*Event classes as test classes.
    __test__: ClassVar[bool] = False
    #: True when the class overrides ``validate`` (publishing then calls it; otherwise
    #: ``_wire.admitted_type`` checks the base rule inline, cheaper than a method call).
    _custom_validate: ClassVar[bool] = False
    #: Data keys that a producer of this package adds to a concrete class's events beyond
    #: its constructor's parameters (the runner's test duration, a health check's number):
    #: answered by properties too, so that ``add_data`` of one never gives the class the
    #: slower ``__getattr__`` (see ``expose_data_keys``).
    _ADDED_KEYS: ClassVar[tuple[str, ...]] = ()
    _ENTITY_VALUE: ClassVar[str]
    _NAME: ClassVar[str]
    _ENTITY: ClassVar[EventType]
    _CLASS_FIELDS: ClassVar[tuple[str, EventType, str, str, bool, KeyPlan | None]]

    id: str
    name: str
    entity_type: EventType
    entity_id: str
    data: dict[str, Any]
    _signature: str | None
    _timestamp: datetime | None
    _created: float

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        KINDS.add(cls)
        cls._custom_validate = cls.validate is not BaseEvent.validate
        _add_data_attributes(cls)
        event_type = cls.__dict__.get("EVENT_TYPE")
        if event_type:
            # Precomputed for _setup: reading an Enum's .value is a descriptor call.
            entity, _, name = event_type.partition(".")
            cls._ENTITY_VALUE, cls._NAME, cls._ENTITY = entity, name, EventType(entity)
            other = _EVENT_CLASSES.get(event_type)
            if other is not None and other.__qualname__ != cls.__qualname__:
                raise TypeError(
                    f"{cls.__qualname__} and {other.__qualname__} both claim type {event_type!r}; "
                    "every event class needs its own type string"
                )
            _EVENT_CLASSES[event_type] = cls
        if cls.EVENT_TYPE:
            # What _setup reads of the class, in one tuple: one attribute lookup, not five.
            # Subclasses of a concrete class get their own (they may change CONTENT_IDS).
            cls._CLASS_FIELDS = (
                cls._NAME,
                cls._ENTITY,
                cls._ENTITY_VALUE,
                cls.EVENT_TYPE,
                cls.CONTENT_IDS,
                None,  # the key plan of its data, learnt from its first event (_setup)
            )

    def __init__(
        self,
        name: str,
        entity_type: EventType,
        entity_id: str,
        data: Mapping[str, Any] | None = None,
        use_content_uuid: bool = True,
        *,
        timestamp: datetime | None = None,
    ) -> None:
        entity_value = _ENTITY_VALUES.get(entity_type)
        if entity_value is None:
            raise TypeError(
                f"{type(self).__name__}: entity_type must be an EventType member, got "
                f"{entity_type!r}; use e.g. EventType.TEST"
            )
        if not name or type(name) is not str:
            raise EventValidationError(
                f"{type(self).__name__}: name must be a non-empty string, got {name!r}"
            )
        if not entity_id or type(entity_id) is not str:
            self._bad_entity_id(entity_id)
        if data is None:
            data = {}
        elif type(data) is dict:
            data = data.copy()
        elif isinstance(data, Mapping):
            data = dict(data)
        else:
            raise TypeError(
                f"{type(self).__name__}: data must be a mapping, got {type(data).__name__}"
            )
        self.name = name
        self.entity_type = entity_type
        self.entity_id = entity_id
        self.data = data
        expose_data_keys(type(self), data)
        if timestamp is None:
            self._created = _time()
            self._timestamp = None
        else:
            self.timestamp = timestamp
        self._type = f"{entity_value}.{name}"
        if use_content_uuid and self.CONTENT_IDS:
            self._use_content_uuid = True
            signature = self._signature = create_event_signature(
                name, entity_value, entity_id, data
            )
            self.id = create_content_based_uuid(signature)
        else:
            # A random id needs no encoding of the data: the signature waits for a reader,
            # and data with no exact encoding (live objects) is accepted.
            self._use_content_uuid = False
            self._signature = ""
            self.id = _random_uuid()

    def _bad_entity_id(self, entity_id: object) -> NoReturn:
        raise EventValidationError(
            f"{type(self).__name__}: entity id must be a non-empty string, got {entity_id!r}"
            + (f" (parameter {self.ID_FIELD!r})" if self.ID_FIELD else "")
        )

    def _regenerate_id(self) -> None:
        if not self._use_content_uuid:
            self._signature = ""
            self.id = _random_uuid()
            return
        entity_value = _ENTITY_VALUES[self.entity_type]
        signature = create_event_signature(self.name, entity_value, self.entity_id, self.data)
        self._signature = signature
        self.id = create_content_based_uuid(signature)

    if TYPE_CHECKING:
        # Data keys read as attributes (see the class docstring), typed as Any for checkers.
        def __getattr__(self, item: str) -> Any: ...

    def __setstate__(
        self, state: tuple[dict[str, Any] | None, dict[str, Any] | None] | dict[str, Any]
    ) -> None:
        """Restore a pickled or copied event as ``object`` would (``(dict, slots)``, or a dict
        from a subclass's own ``__getstate__``), and make its data keys read as attributes in
        this process too (``expose_data_keys``)."""
        own, slots = state if isinstance(state, tuple) else (state, None)
        for values in (own, slots):
            for attribute, value in (values or {}).items():
                setattr(self, attribute, value)
        expose_data_keys(type(self), self.data)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._type} entity_id={self.entity_id!r} id={self.id[:8]}>"

    def get_type(self) -> str:
        """Return the type string ``"<entity_type>.<name>"``, e.g. ``"test.execution_started"``."""
        return self._type

    def get_entity_id(self) -> str:
        """Return the identifier of the entity this event relates to."""
        return self.entity_id

    @property
    def timestamp(self) -> datetime:
        """When the event was created: a timezone-aware UTC datetime unless one was given.

        Built from the creation time on first read: making a datetime costs more than the rest
        of an event's fields together, and many events are never asked for it.
        """
        ts = self._timestamp
        if ts is None:
            if not self._created:  # the application assigned None: validate() will say so
                return None  # type: ignore[return-value]
            ts = self._timestamp = datetime.fromtimestamp(self._created, UTC)
        return ts

    @timestamp.setter
    def timestamp(self, value: datetime) -> None:
        self._timestamp = value
        self._created = 0.0

    def has_timestamp(self) -> bool:
        """Return True unless the timestamp was set to None (cheap: builds no datetime)."""
        return self._timestamp is not None or self._created != 0.0

    def get_timestamp(self) -> datetime:
        """Return when the event was created."""
        return self.timestamp

    def get_data(self) -> dict[str, Any]:
        """Return a shallow copy of the event data; changing it does not change the event."""
        return dict(self.data)

    def add_data(self, key: str, value: Any) -> None:
        """Set ``data[key] = value`` and regenerate the content signature and content id.

        Raises:
            EventValidationError: ``value`` has no exact encoding; the event is unchanged.
        """
        missing = object()
        old = self.data.get(key, missing)
        self.data[key] = value
        expose_data_keys(type(self), (key,))
        try:
            self._regenerate_id()
        except EventValidationError:
            if old is missing:
                del self.data[key]
            else:
                self.data[key] = old
            raise

    @property
    def content_signature(self) -> str | None:
        """The deterministic content signature used for duplicate detection:
        ``"<entity type>:<name>:<entity id>:<canonical data>"``.

        Computed when the event is built; an event rebuilt from its wire form computes it on
        first read (a collector storing events never needs it): its slot then holds ``""``,
        which no signature is. Set to None, it stays None (and ``is_duplicate_of`` is False).
        """
        signature = self._signature
        if signature == "":
            entity_value = _ENTITY_VALUES[self.entity_type]
            signature = self._signature = create_event_signature(
                self.name, entity_value, self.entity_id, self.data
            )
        return signature

    @content_signature.setter
    def content_signature(self, value: str | None) -> None:
        self._signature = value

    def is_duplicate_of(self, other_event: BaseEvent) -> bool:
        """Return True when both events have the same content signature (timestamps ignored)."""
        sig = self.content_signature
        return sig is not None and sig == other_event.get_content_signature()

    def get_content_signature(self) -> str | None:
        """Return the deterministic content signature used for duplicate detection."""
        return self.content_signature

    def to_dict(self) -> dict[str, Any]:
        """Return the wire form: id, name, type, entity_type, entity_id, timestamp, data.

        The timestamp is ISO 8601 and data is converted to JSON-native values, so the result
        always passes through ``json.dumps``.
        """
        wire = wire_form(self)
        wire["data"] = jsonable(self.data)
        return wire

    def validate(self) -> bool:
        """Return True when name, entity_type, entity_id and timestamp are all set."""
        return (
            bool(self.name)
            and self.entity_type is not None
            and bool(self.entity_id)
            and self.has_timestamp()
        )


KINDS.add(BaseEvent)


def _data_value(event: BaseEvent, data: dict[str, Any], key: str) -> Any:
    """``data[key]``; for the domain's id parameter, the entity id when the data has no such
    key; else an AttributeError that lists the data keys."""
    if key in data:
        return data[key]
    if key == type(event).ID_FIELD:
        return event.entity_id
    raise AttributeError(
        f"{type(event).__name__} has no attribute or data key {key!r}; "
        f"data keys: {sorted(data, key=str)}"
    )


class _DataKey:
    """``event.<key>``: one per data key of a concrete class, made from its constructor's
    parameters, and one per domain for its id (``event.test_id``); see ``_data_value``.

    A non-data descriptor: an application's subclass (which has an instance ``__dict__``)
    may keep a constructor parameter as an attribute of its own (``self.retries = n``).
    """

    __slots__ = ("key",)

    def __init__(self, key: str) -> None:
        self.key = key

    @overload
    def __get__(self, event: None, owner: type[BaseEvent]) -> _DataKey: ...

    @overload
    def __get__(self, event: BaseEvent, owner: type[BaseEvent]) -> Any: ...

    def __get__(self, event: BaseEvent | None, owner: type[BaseEvent]) -> Any:
        if event is None:
            return self
        return _data_value(event, event.data, self.key)


def _data_attribute(event: BaseEvent, item: str) -> Any:
    """``__getattr__`` of generic event classes: any data key reads as an attribute."""
    if item.startswith("_"):
        raise AttributeError(item)
    try:
        data = object.__getattribute__(event, "data")
    except AttributeError:
        raise AttributeError(item) from None
    return _data_value(event, data, item)


# The modules of the domain base classes (TestEvent...), which stay without __getattr__.
_DOMAINS = __name__.rpartition(".")[0] + "."


def _add_data_attributes(cls: type[BaseEvent]) -> None:
    """Make the data keys of ``cls``'s events readable as attributes.

    A concrete class (one with ``EVENT_TYPE``) gets one ``_DataKey`` property per parameter
    of its constructor and per key of its ``_ADDED_KEYS``, and a domain base class one for
    its ``ID_FIELD``: a class with no ``__getattr__`` keeps CPython's attribute caches
    working, which makes every attribute read on an event several times cheaper (the manager
    reads six per publish). A generic class (``GenericEvent``, or an application's own
    subclass of a domain class with no ``EVENT_TYPE``) may carry any data, so it reads any
    data key through ``__getattr__``. Names that are already attributes (``name``,
    ``timestamp``...) keep their meaning.
    """
    own = cls.__dict__
    keys: list[str] = []
    if own.get("ID_FIELD"):
        keys.append(cls.ID_FIELD)
    if cls.EVENT_TYPE:
        init = own.get("__init__")
        if init is not None:
            code = init.__code__
            keys.extend(code.co_varnames[1 : code.co_argcount + code.co_kwonlyargcount])
        keys.extend(own.get("_ADDED_KEYS", ()))
    elif not cls.__module__.startswith(_DOMAINS):  # not a domain base class of ours
        cls.__getattr__ = _data_attribute  # type: ignore[method-assign]
    for key in keys:
        if not key.startswith("_") and (
            not hasattr(cls, key) or isinstance(getattr(cls, key), _DataKey)
        ):
            setattr(cls, key, _DataKey(key))


# Per concrete class: the names its events answer as attributes without ``__getattr__``.
_ANSWERED: dict[type[BaseEvent], frozenset[str]] = {}


def expose_data_keys(cls: type[BaseEvent], keys: Iterable[str]) -> None:
    """Make every key of ``keys`` (data keys of an event of ``cls``) read as an attribute.

    A concrete class answers its constructor's keys with properties; the first key it does
    not answer (given to ``add_data``, or found in an event read back from a store) gives
    the class the ``__getattr__`` of generic classes, so that its events read any data key
    from then on, as generic events do. A domain base class built directly
    (``TestEvent("custom", test_id, data)``) gets a property per new key instead: its
    ``__getattr__`` would be inherited by every concrete class of the domain, and make each
    attribute read on their events several times slower. Keys ``__getattr__`` would not
    answer (not strings, or starting with ``_``) get none.
    """
    if hasattr(cls, "__getattr__"):
        return
    answered = _ANSWERED.get(cls)
    if answered is None:
        answered = _ANSWERED[cls] = frozenset(dir(cls))
    if answered.issuperset(keys):
        return
    if cls.EVENT_TYPE:
        cls.__getattr__ = _data_attribute  # type: ignore[method-assign]
        return
    for key in keys:
        if type(key) is str and not key.startswith("_") and not hasattr(cls, key):
            setattr(cls, key, _DataKey(key))
    _ANSWERED[cls] = frozenset(dir(cls))


_Member = TypeVar("_Member", bound=enum.Enum)


@final
class _DomainEventType(Generic[_Member]):
    """The ``event_type`` of a domain's events: the member of the domain's enum that the
    event's name is (``TestEvent(TestEventType.CREATED, "t").event_type is
    TestEventType.CREATED``), or the plain name when the enum has no such member.

    Declared once on each domain base class (``event_type = _DomainEventType(TestEventType)``);
    derived from the name, so it costs nothing when an event is built and is never part of
    its data or wire form.
    """

    __slots__ = ("_members",)

    def __init__(self, names: type[_Member]) -> None:
        self._members: dict[str, _Member] = {member.value: member for member in names}

    @overload
    def __get__(self, event: None, owner: type[BaseEvent]) -> _DomainEventType[_Member]: ...

    @overload
    def __get__(self, event: BaseEvent, owner: type[BaseEvent]) -> _Member | str: ...

    def __get__(
        self, event: BaseEvent | None, owner: type[BaseEvent]
    ) -> _DomainEventType[_Member] | _Member | str:
        if event is None:
            return self
        return self._members.get(event.name, event.name)


class GenericEvent(BaseEvent):
    """An event of a type that has no registered class: built directly, or read back from a
    store or transport written by a newer version. Any data key reads as an attribute."""

    __slots__ = ()
    __getattr__ = _data_attribute


def _setup(event: BaseEvent, entity_id: str, data: dict[str, Any]) -> None:
    """Initialise a concrete event (one with ``EVENT_TYPE``) from a fresh data dict.

    The fast path the generated constructors take (``_setup(self, test_id, {...})``): the
    type, name and entity type come from the class, ``data`` is owned (not copied), and only
    the entity id needs checking.
    """
    if not entity_id or type(entity_id) is not str:
        event._bad_entity_id(entity_id)
    name, entity, entity_value, event_type, content_ids, plan = event._CLASS_FIELDS
    event.name = name
    event.entity_type = entity
    event.entity_id = entity_id
    event.data = data
    event._created = _time()
    event._timestamp = None
    event._type = event_type
    if content_ids:
        if plan is None:
            plan = _learn_plan(type(event), data)
        event._use_content_uuid = True
        signature = event._signature = create_event_signature(
            name, entity_value, entity_id, data, plan
        )
        event.id = create_content_based_uuid(signature)
    else:
        event._use_content_uuid = False
        event._signature = ""  # computed on first read, as in BaseEvent.__init__
        event.id = _random_uuid()


def _learn_plan(cls: type[BaseEvent], data: dict[str, Any]) -> KeyPlan:
    """Remember the key plan of the data dicts a class's constructor builds (always the same
    keys: ``canonical_data`` notices when they are not). Keys with no plan (the plan cache
    is full) are remembered as the empty plan, which ``canonical_data`` passes over."""
    plan = key_plan(tuple(data)) or ()
    cls._CLASS_FIELDS = (*cls._CLASS_FIELDS[:5], plan)
    return plan


def event_class_for(event_type: str) -> type[BaseEvent] | None:
    """Return the concrete class registered for ``event_type``, or None."""
    return _EVENT_CLASSES.get(event_type)


def registered_event_types() -> dict[str, type[BaseEvent]]:
    """Return a copy of the registry: type string -> concrete class."""
    return dict(_EVENT_CLASSES)
