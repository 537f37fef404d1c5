"""The World satisfies the protocol the overrides module knows it by."""

from __future__ import annotations

import inspect

from techbloc import load_world
from techbloc.protocols import WorldTables
from techbloc.world import World


def _members(cls: type) -> dict[str, str]:
    return {
        name: "property" if isinstance(value, property) else "method"
        for name, value in vars(cls).items()
        if not name.startswith("_") and (isinstance(value, property) or inspect.isfunction(value))
    }


def test_world_has_every_member_of_the_protocol_in_the_same_kind() -> None:
    world = _members(World)
    for name, kind in _members(WorldTables).items():
        assert world.get(name) == kind, name


def test_replace_takes_the_protocols_keywords() -> None:
    wanted = set(inspect.signature(WorldTables.replace).parameters) - {"self"}
    assert wanted <= set(inspect.signature(World.replace).parameters)


def test_overrides_return_a_world() -> None:
    world = load_world()
    changed = world.with_overrides(
        {"values": [{"iso3": "KOR", "column": "gerd_ppp_usd_m", "value": 1.0}]}
    )
    assert isinstance(changed, World)
    assert changed.origin.startswith(world.origin)
