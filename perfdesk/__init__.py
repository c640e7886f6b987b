"""perfdesk: is this strategy still the strategy we signed off on?"""

__version__ = "0.1.0"
