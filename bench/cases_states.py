"""State-machine peers: ``transitions`` and ``python-statemachine`` on the same two-state toggle.

Every implementation runs the machine a <-> b, one allowed transition per operation, with its
defaults (``transitions`` keeps no history; ``python-statemachine`` none either; ours and
panther-net append a history entry per move, as their API promises).
"""

from __future__ import annotations

from typing import Any

from _common import Case, Unavailable, need, per_op_us


def _transitions(n: int) -> float:
    machine_cls = need("transitions", "Machine")

    class Model:
        pass

    model: Any = Model()
    machine_cls(
        model=model,
        states=["a", "b"],
        transitions=[["go", "a", "b"], ["back", "b", "a"]],
        initial="a",
    )
    go, back = model.go, model.back
    half = n // 2

    def body() -> None:
        for _ in range(half):
            go()
            back()

    result = per_op_us(body, half * 2)
    if model.state != "a":
        raise RuntimeError(f"machine ended in {model.state!r}")
    return result


def _statemachine(n: int) -> float:
    statemachine = need("statemachine")

    class Toggle(statemachine.StateMachine):  # type: ignore[misc,name-defined]
        a = statemachine.State(initial=True)
        b = statemachine.State()
        go = a.to(b)
        back = b.to(a)

    machine = Toggle()
    go, back = machine.go, machine.back
    half = n // 2

    def body() -> None:
        for _ in range(half):
            go()
            back()

    return per_op_us(body, half * 2)


def cases(variant: str) -> dict[str, Case]:
    """The state-transition case of ``variant`` (``transitions`` or ``python-statemachine``)."""
    if variant == "transitions":
        return {"state_transition": _transitions}
    if variant == "python-statemachine":
        return {"state_transition": _statemachine}
    raise Unavailable(f"unknown state-machine peer {variant!r}")
