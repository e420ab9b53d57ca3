"""Home Assistant's repairs platform: the flows that fix a site's repair issues.

The issues themselves are raised by `issues.py`; a kind of load that can fix one of its own
offers the flow.
"""

from __future__ import annotations

from homeassistant.components.repairs import ConfirmRepairFlow, RepairsFlow
from homeassistant.core import HomeAssistant

from .loads import KINDS


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, str | int | float | None] | None
) -> RepairsFlow:
    """The flow that fixes a site's issue (ids are the key and the site's entry id)."""
    key, _, entry_id = issue_id.rpartition("_")
    for kind in KINDS:
        if (flow := kind.fix_flow(key, entry_id)) is not None:
            return flow
    return ConfirmRepairFlow()
