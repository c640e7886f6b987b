"""The engine simulator (`perfdesk sim`): protocol v1 over websockets, no Qt."""

from perfdesk.publish.faults import FaultConfig
from perfdesk.sim.archetypes import Archetype, StrategySpec, default_strategies
from perfdesk.sim.returns import GarchParams
from perfdesk.sim.server import Simulator

__all__ = [
    "Archetype",
    "FaultConfig",
    "GarchParams",
    "Simulator",
    "StrategySpec",
    "default_strategies",
]
