"""Hypothesis: the state derived from the published events equals the state the registry holds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from panther_events import EmitterRegistry, EventManager, StateTrackingObserver
from panther_events.events.base import registered_event_types
from panther_events.states import EVENT_TRANSITIONS, PHASE_EVENTS, check_event, derive_states
from panther_events.testing import RecordingObserver

from ._samples import sample_event

LIFECYCLE_TYPES = sorted([*EVENT_TRANSITIONS, *PHASE_EVENTS])
CLASSES = registered_event_types()


KINDS = sorted({route[0] for route in [*EVENT_TRANSITIONS.values(), *PHASE_EVENTS.values()]})
TYPES_BY_KIND = {k: [t for t in LIFECYCLE_TYPES if t.split(".")[0] == k] for k in KINDS}

#: A plan of validated emits: (kind index, entity index, bias towards legal events, pick).
PLANS = st.lists(
    st.tuples(
        st.integers(0, len(KINDS) - 1),
        st.integers(0, 1),
        st.integers(0, 3),
        st.integers(0, 10_000),
    ),
    max_size=60,
)


class TestRegistryAgreesWithEvents:
    """The registry's machines, the events it published and a tracking observer agree."""

    @settings(max_examples=150, deadline=None)
    @given(PLANS)
    def test_derived_state_equals_registry_state(
        self, plan: list[tuple[int, int, int, int]]
    ) -> None:
        """Replaying the recorded events through state_for_event gives the registry's states."""
        # dedup off: a retry loop (failed -> tearing_down -> failed -> tearing_down) may repeat
        # an event's exact content, which a deduplicating manager would rightly drop.
        manager = EventManager(dedup=False, history_limit=0)
        recorder = RecordingObserver()
        tracker = StateTrackingObserver()
        manager.register_observer(recorder)
        manager.register_observer(tracker)
        registry = EmitterRegistry(manager)
        accepted = 0
        for kind_index, entity_index, bias, pick in plan:
            kind = KINDS[kind_index]
            # Two ids per kind: enough to mix entities, few enough to build real lifecycles.
            entity_id = "ab"[entity_index]
            machine = registry.get_state(kind, entity_id)
            legal = [t for t in TYPES_BY_KIND[kind] if check_event(t, machine).ok]  # type: ignore[union-attr]
            # Mostly legal moves, so lifecycles go deep; sometimes any event, legal or not.
            pool = legal if legal and bias else TYPES_BY_KIND[kind]
            event_type = pool[pick % len(pool)]
            expected = check_event(event_type, machine).ok  # type: ignore[union-attr]
            emitted = registry.emit_with_validation(sample_event(CLASSES[event_type], entity_id))
            assert emitted == expected
            accepted += emitted
        assert len(recorder.events) == accepted
        held = {
            (kind, entity_id): m.current_state.value
            for key, m in registry.get_all_state_managers().items()
            for kind, entity_id in [key.split(":", 1)]
            if m.state_history  # type: ignore[attr-defined]
        }
        assert derive_states(recorder.events) == held
        assert tracker.violations == []
        moved = {k: v for k, v in tracker.states().items() if v != "pending"}
        assert moved == {k: v for k, v in held.items() if v != "pending"}
        manager.close()
