"""Item-data roles every table model and its helpers share (sorting, badges)."""

from __future__ import annotations

from PySide6.QtCore import Qt

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
BADGE_ROLE = Qt.ItemDataRole.UserRole + 2
