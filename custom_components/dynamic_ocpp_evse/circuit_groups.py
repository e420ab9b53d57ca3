"""Circuit groups: sub-breakers of the site (a subentry each), and the loads they feed.

A group has a rating per phase and may sit inside another group; a load names its group on its
own form. The engine keeps every group's loads within its rating (and its parents'). A group
is not metered: what else its circuit feeds is not known to us.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigSubentryFlow,
    SubentryFlowResult,
)
from homeassistant.const import CONF_NAME
from homeassistant.helpers import selector
import voluptuous as vol

from .engine.model import CircuitGroup
from .flow_checks import error_placeholders, form_errors, number_field

SUBENTRY_CIRCUIT: Final = "circuit_group"
CONF_RATING: Final = "rating"  # A per phase
CONF_PARENT: Final = "parent_group"  # the subentry id of the group it sits in
CONF_CIRCUIT: Final = "circuit_group"  # in a load's data: the group that feeds it


@dataclass(frozen=True, slots=True)
class Circuits:
    """A site's circuit groups, which load each feeds, and their names."""

    groups: tuple[CircuitGroup, ...] = ()
    members: Mapping[str, str] = field(default_factory=dict)  # load id → group id
    names: Mapping[str, str] = field(default_factory=dict)  # group id → its name

    @classmethod
    def of(cls, entry: ConfigEntry) -> Circuits:
        """Read them from the site's subentries (a load naming a group gone feeds none)."""
        found = {
            subentry_id: subentry
            for subentry_id, subentry in entry.subentries.items()
            if subentry.subentry_type == SUBENTRY_CIRCUIT
        }
        groups = tuple(
            CircuitGroup(
                id=subentry_id,
                rating_a=float(subentry.data[CONF_RATING]),
                parent=parent
                if (parent := subentry.data.get(CONF_PARENT)) in found
                else None,
            )
            for subentry_id, subentry in found.items()
        )
        members = {
            load_id: group
            for load_id, subentry in entry.subentries.items()
            if (group := subentry.data.get(CONF_CIRCUIT)) in found
        }
        names = {subentry_id: subentry.title for subentry_id, subentry in found.items()}
        return cls(groups=groups, members=members, names=names)


def circuit_field(entry: ConfigEntry) -> dict[vol.Marker, Any]:
    """A load's choice among the site's groups (no field while the site has none)."""
    return _group_choice(entry, CONF_CIRCUIT, exclude=None)


def _group_choice(
    entry: ConfigEntry, key: str, *, exclude: str | None
) -> dict[vol.Marker, Any]:
    options = [
        selector.SelectOptionDict(value=subentry_id, label=subentry.title)
        for subentry_id, subentry in entry.subentries.items()
        if subentry.subentry_type == SUBENTRY_CIRCUIT and subentry_id != exclude
    ]
    if not options:
        return {}
    return {
        vol.Optional(key): selector.SelectSelector(
            selector.SelectSelectorConfig(options=options)
        )
    }


def _inside(entry: ConfigEntry, group: str, parent: str | None) -> bool:
    """Whether `parent` is `group` or sits inside it (a cycle if made its parent)."""
    seen: set[str] = set()
    while parent is not None and parent not in seen:
        if parent == group:
            return True
        seen.add(parent)
        subentry = entry.subentries.get(parent)
        parent = subentry.data.get(CONF_PARENT) if subentry else None
    return False


class CircuitGroupFlow(ConfigSubentryFlow):
    """Add or change a circuit group."""

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """A new group."""
        return await self._async_step(user_input, step_id="user")

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Change a group (its parent may not be itself or a group inside it)."""
        return await self._async_step(user_input, step_id="reconfigure")

    def _schema(self, own: str | None) -> vol.Schema:
        return vol.Schema(
            {
                vol.Required(CONF_NAME): selector.TextSelector(),
                vol.Required(CONF_RATING, default=16): number_field(1, 1000, "A"),
                **_group_choice(self._get_entry(), CONF_PARENT, exclude=own),
            }
        )

    async def _async_step(
        self, user_input: dict[str, Any] | None, *, step_id: str
    ) -> SubentryFlowResult:
        entry = self._get_entry()
        own = self._reconfigure_subentry_id if step_id == "reconfigure" else None
        schema = self._schema(own)
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = form_errors(self.hass, schema, user_input)
            parent = user_input.get(CONF_PARENT) or None
            if not errors and own is not None and _inside(entry, own, parent):
                errors[CONF_PARENT] = "parent_cycle"
            if not errors:
                data = {CONF_RATING: float(user_input[CONF_RATING])}
                if parent:
                    data[CONF_PARENT] = parent
                if own is None:
                    return self.async_create_entry(
                        title=user_input[CONF_NAME], data=data
                    )
                return self.async_update_and_abort(
                    entry,
                    self._get_reconfigure_subentry(),
                    title=user_input[CONF_NAME],
                    data=data,
                )
        suggested: dict[str, Any] | None = user_input
        if suggested is None and own is not None:
            subentry = self._get_reconfigure_subentry()
            suggested = {CONF_NAME: subentry.title, **subentry.data}
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(schema, suggested),
            errors=errors,
            description_placeholders=error_placeholders(
                self.hass, schema, suggested or {}, errors
            ),
        )
