"""The detection preset row of the Thresholds screen: pick a corner of the measured
trade-off (false alarms, crashes, decays), see what the bench measured there.

Signal: picked(object Preset). `show_for(levels)` selects the preset whose four warning
levels the draft's fields hold (the rest of the draft may be invalid), or "Custom mix"."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Signal
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from perfdesk.domain.threshold_presets import PRESETS, Preset, preset_of_levels

CUSTOM = "Custom mix"


class PresetPicker(QWidget):
    picked = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.combo = QComboBox()
        self.combo.setObjectName("threshold-preset")
        self.combo.setMinimumWidth(260)
        self.combo.addItem(CUSTOM, None)
        items = self.combo.model()
        assert isinstance(items, QStandardItemModel)  # QComboBox's own model
        custom = items.item(0)
        custom.setEnabled(False)  # shown when the draft is a custom mix, not pickable
        for preset in PRESETS:
            self.combo.addItem(preset.name, preset)
        self.combo.setToolTip(
            "Sets the warning levels of Daily loss, Sharpe decay, CUSUM drift and Regime "
            "CUSUM to a measured corner of the trade-off; the rest stays as it is. Save to "
            "apply."
        )
        self.combo.activated.connect(self._activated)  # the user's pick, not show_for's
        self.about = QLabel()
        self.about.setObjectName("threshold-preset-about")
        self.about.setProperty("kind", "muted")
        self.about.setWordWrap(True)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Detection preset"))
        row.addWidget(self.combo)
        row.addStretch(1)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addLayout(row)
        box.addWidget(self.about)
        self.show_for({})

    def _activated(self, index: int) -> None:
        preset = self.combo.itemData(index)
        if isinstance(preset, Preset):
            self.picked.emit(preset)

    def show_for(self, levels: Mapping[str, float | None]) -> None:
        """Select the preset of these warning levels (dotted path -> value) and describe it."""
        preset = preset_of_levels(levels)
        self.combo.setCurrentIndex(0 if preset is None else PRESETS.index(preset) + 1)
        self.about.setText(
            "Warning levels set by hand: no measured figures for this mix."
            if preset is None
            else f"{preset.summary} On the bench it {preset.figures.sentence()}."
        )
