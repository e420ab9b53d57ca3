"""The operating modes each kind of load offers, in words that fit it.

A charger takes them all. An on/off load has no Eco (its minimum is its whole power: Eco is
Standard, shown as *On*). A thermal load boosts only from surplus: Standard and Eco mean no
boost, shown as *Off*.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..engine.model import ModeSetting


@dataclass(frozen=True, slots=True)
class ModeChoice:
    """The modes offered for a kind of load, under its own translation key."""

    translation_key: str
    options: tuple[ModeSetting, ...]
    same_as: Mapping[ModeSetting, ModeSetting] = field(default_factory=dict)

    def shown(self, mode: ModeSetting) -> ModeSetting:
        """The option that means what `mode` does for this kind (a setting from elsewhere)."""
        return self.same_as.get(mode, mode)


ALL_MODES = ModeChoice("operating_mode", tuple(ModeSetting))
ON_OFF_MODES = ModeChoice(
    "on_off_operating_mode",
    tuple(mode for mode in ModeSetting if mode is not ModeSetting.ECO),
    {ModeSetting.ECO: ModeSetting.STANDARD},
)
BOOST_MODES = ModeChoice(
    "boost_operating_mode",
    (ModeSetting.FOLLOW_SITE, ModeSetting.OFF, ModeSetting.SOLAR, ModeSetting.EXCESS),
    {ModeSetting.STANDARD: ModeSetting.OFF, ModeSetting.ECO: ModeSetting.OFF},
)
