"""The set-points a climate device had before we boosted it, kept across restarts.

Written before the boost set-point is (a crash in between leaves the device as it was, with a
memory that matches nothing and is dropped); removed once the user's set-point is back. One file
for the whole integration, by entity: an entity is driven by one load only.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.storage import Store
from homeassistant.util.hass_dict import HassKey

from ...const import DOMAIN, LOGGER

STORAGE_VERSION = 1
_MEMORY: HassKey[SetpointMemory] = HassKey(f"{DOMAIN}_setpoints")


@dataclass(frozen=True, slots=True)
class Boosted:
    """A boost we wrote: the user's set-point under it and ours (both as the device shows)."""

    normal: float
    boost: float


class SetpointMemory:
    """Which climate devices we boosted, and from what."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Bind to the integration's set-point file."""
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.setpoints"
        )
        self._boosted: dict[str, Boosted] = {}
        self._loading = asyncio.Lock()
        self._loaded = False

    async def async_load(self) -> None:
        """Read the file once; callers at the same time wait for that one read.

        A file that cannot be read is an empty memory.
        """
        async with self._loading:
            if not self._loaded:
                await self._async_read()
                self._loaded = True

    async def _async_read(self) -> None:
        try:
            raw = await self._store.async_load()
        except (HomeAssistantError, OSError, ValueError) as err:
            LOGGER.warning("The boosted set-points could not be read: %s", err)
            return
        for entity_id, values in (raw or {}).items():
            try:
                self._boosted[entity_id] = Boosted(
                    float(values["normal"]), float(values["boost"])
                )
            except (KeyError, TypeError, ValueError):
                LOGGER.warning(
                    "Dropped a boosted set-point of %s: %s", entity_id, values
                )

    def get(self, entity_id: str) -> Boosted | None:
        """The boost we wrote to this device, if it is still on."""
        return self._boosted.get(entity_id)

    async def async_remember(self, entity_id: str, boosted: Boosted) -> None:
        """Keep a boost before it is written."""
        self._boosted[entity_id] = boosted
        await self._save()

    async def async_forget(self, entity_id: str) -> None:
        """The boost is over (or taken over by the user)."""
        if self._boosted.pop(entity_id, None) is not None:
            await self._save()

    async def _save(self) -> None:
        await self._store.async_save(
            {
                entity_id: {"normal": b.normal, "boost": b.boost}
                for entity_id, b in self._boosted.items()
            }
        )


async def async_get_memory(hass: HomeAssistant) -> SetpointMemory:
    """The integration's one memory, read once (kept before it is read: one instance)."""
    if (memory := hass.data.get(_MEMORY)) is None:
        memory = hass.data[_MEMORY] = SetpointMemory(hass)
    await memory.async_load()
    return memory
