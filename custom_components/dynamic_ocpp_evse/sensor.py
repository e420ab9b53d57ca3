"""Sensors: what the site and each load are doing, and why."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from homeassistant.components.sensor import (
    RestoreSensor,
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    EntityCategory,
    UnitOfElectricCurrent,
    UnitOfEnergy,
    UnitOfPower,
    UnitOfTemperature,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .circuit_groups import SUBENTRY_CIRCUIT
from .const import DOMAIN
from .coordinator import CycleReport, DynamicOcppEvseCoordinator, SiteConfigEntry
from .dispatch import LoadHealth
from .engine.model import Load, Phase, Reason, Switched
from .entity import MANUFACTURER, DynamicOcppEvseLoadEntity, DynamicOcppEvseSiteEntity

PARALLEL_UPDATES = 0

SITE_STATUS_OK = "ok"
SITE_STATUS_METER_STALE = "meter_stale"


@dataclass(frozen=True, kw_only=True)
class SiteSensorDescription(SensorEntityDescription):
    """A figure of the site."""

    value_fn: Callable[[CycleReport], float | str | None]


@dataclass(frozen=True, kw_only=True)
class LoadSensorDescription(SensorEntityDescription):
    """A figure of one load."""

    value_fn: Callable[[CycleReport, str], float | str | None]
    attributes_fn: Callable[[CycleReport, str], dict[str, Any]] | None = None


def _phase_current(
    key: str, phase: Phase, pick: Callable[[CycleReport], Mapping[Phase, float]]
) -> SiteSensorDescription:
    return SiteSensorDescription(
        key=f"{key}_{phase.value.lower()}",
        translation_key=key,
        translation_placeholders={"phase": phase.value},
        device_class=SensorDeviceClass.CURRENT,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        suggested_display_precision=1,
        value_fn=lambda data: pick(data).get(phase),
    )


def _power(
    key: str, value_fn: Callable[[CycleReport], float | None]
) -> SiteSensorDescription:
    return SiteSensorDescription(
        key=key,
        translation_key=key,
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.WATT,
        suggested_display_precision=0,
        value_fn=value_fn,
    )


def _site_sensors(phases: tuple[Phase, ...]) -> list[SiteSensorDescription]:
    return [
        *(_phase_current("base_load", p, lambda d: d.plan.base_a) for p in phases),
        *(_phase_current("headroom", p, lambda d: d.plan.headroom_a) for p in phases),
        _power("surplus", lambda d: None if d.plan.safe_state else d.plan.surplus_w),
        _power("managed_power", lambda d: d.plan.managed_w),
        SiteSensorDescription(
            key="status",
            translation_key="site_status",
            device_class=SensorDeviceClass.ENUM,
            options=[SITE_STATUS_OK, SITE_STATUS_METER_STALE],
            value_fn=lambda data: (
                SITE_STATUS_METER_STALE if data.plan.safe_state else SITE_STATUS_OK
            ),
        ),
    ]


def _load_status(data: CycleReport, load_id: str) -> str:
    health = data.health.get(load_id, LoadHealth.OK)
    if health is not LoadHealth.OK:
        return health.value
    return data.plan.allocations[load_id].reason.value


def _status_detail(data: CycleReport, load_id: str) -> dict[str, Any]:
    """What binds it, its timer's seconds left, what pays it, its override."""
    detail = data.plan.allocations[load_id].detail
    # As the engine read it: none while a charger is offline or a plug is switched by hand.
    override = next(
        (load.override for load in data.snapshot.loads if load.id == load_id), None
    )
    source = data.sources.get(load_id)
    return {
        "detail": data.group_names.get(detail, detail) or None,
        "seconds_left": data.seconds_left.get(load_id),
        "source": source.value if source else None,
        "override": override.value if override else None,
    }


LOAD_SENSORS: tuple[LoadSensorDescription, ...] = (
    LoadSensorDescription(
        key="allocated_current",
        translation_key="allocated_current",
        device_class=SensorDeviceClass.CURRENT,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        suggested_display_precision=1,
        value_fn=lambda data, load_id: data.commands[load_id].current_a,
    ),
    LoadSensorDescription(
        key="power",
        translation_key="load_power",
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.WATT,
        suggested_display_precision=0,
        value_fn=lambda data, load_id: _rounded(data.power_w[load_id]),
    ),
    LoadSensorDescription(
        key="available_current",
        translation_key="available_current",
        device_class=SensorDeviceClass.CURRENT,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        suggested_display_precision=1,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda data, load_id: data.plan.allocations[load_id].available_a,
    ),
    LoadSensorDescription(
        key="status",
        translation_key="load_status",
        device_class=SensorDeviceClass.ENUM,
        options=[
            *(reason.value for reason in Reason),
            *(health.value for health in LoadHealth if health is not LoadHealth.OK),
        ],
        value_fn=_load_status,
        attributes_fn=_status_detail,
    ),
)


def _worded(description: LoadSensorDescription, load: Load) -> LoadSensorDescription:
    """A status in the words of its kind: a plug is on or off, a thermal load boosts."""
    if description.key != "status" or not isinstance(load, Switched):
        return description
    key = "thermal_status" if load.thermal else "switched_status"
    return replace(description, translation_key=key)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _figure(data: CycleReport, load_id: str, key: str) -> float | None:
    return data.figures[load_id].get(key)


# Shown for the loads whose kind reports them (thermal loads).
FIGURE_SENSORS: tuple[LoadSensorDescription, ...] = (
    LoadSensorDescription(
        key="temperature",
        translation_key="store_temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        suggested_display_precision=1,
        value_fn=lambda data, load_id: _figure(data, load_id, "temperature"),
    ),
    LoadSensorDescription(
        key="boost_target",
        translation_key="boost_target",
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        suggested_display_precision=1,
        value_fn=lambda data, load_id: _figure(data, load_id, "boost_target"),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SiteConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the site's sensors, then each load's."""
    coordinator = entry.runtime_data.coordinator
    phases = tuple(coordinator.site.grid_meters)
    _forget_phases_gone(hass, entry, phases)
    async_add_entities(
        SiteSensor(coordinator, description) for description in _site_sensors(phases)
    )
    loads = {load.id: load for load in coordinator.data.snapshot.loads}
    for load_id in coordinator.load_ids:
        async_add_entities(
            (
                LoadSensor(coordinator, _worded(description, loads[load_id]), load_id)
                for description in LOAD_SENSORS
            ),
            config_subentry_id=load_id,
        )
        async_add_entities(
            [LoadEnergySensor(coordinator, ENERGY, load_id)],
            config_subentry_id=load_id,
        )
        figures = coordinator.data.figures[load_id]
        async_add_entities(
            (
                LoadSensor(coordinator, description, load_id)
                for description in FIGURE_SENSORS
                if description.key in figures
            ),
            config_subentry_id=load_id,
        )
    for group_id, subentry in entry.subentries.items():
        if subentry.subentry_type == SUBENTRY_CIRCUIT:
            async_add_entities(
                (GroupUseSensor(coordinator, group_id, phase) for phase in phases),
                config_subentry_id=group_id,
            )


def _forget_phases_gone(
    hass: HomeAssistant, entry: SiteConfigEntry, phases: tuple[Phase, ...]
) -> None:
    """The sensors of a phase the site no longer measures go (not left unavailable)."""
    registry = er.async_get(hass)
    kept = {description.key for description in _site_sensors(phases)}
    gone = {
        f"{entry.entry_id}_{description.key}"
        for description in _site_sensors(tuple(Phase))
        if description.key not in kept
    }
    for entity in er.async_entries_for_config_entry(registry, entry.entry_id):
        if entity.domain == "sensor" and entity.unique_id in gone:
            registry.async_remove(entity.entity_id)


class SiteSensor(DynamicOcppEvseSiteEntity, SensorEntity):
    """A figure of the site."""

    entity_description: SiteSensorDescription

    @property
    def native_value(self) -> float | str | None:
        """The figure from the last cycle."""
        return self.entity_description.value_fn(self.coordinator.data)


class LoadSensor(DynamicOcppEvseLoadEntity, SensorEntity):
    """A figure of one load."""

    entity_description: LoadSensorDescription

    @property
    def available(self) -> bool:
        """The status stays available to say why the load is not."""
        if self.entity_description.key == "status":
            return self.coordinator.last_update_success
        return super().available

    @property
    def native_value(self) -> float | str | None:
        """The figure from the last cycle."""
        return self.entity_description.value_fn(self.coordinator.data, self.load_id)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """The detail behind the figure, where it has one."""
        attributes_fn = self.entity_description.attributes_fn
        if attributes_fn is None or self.coordinator.data is None:
            return None
        return attributes_fn(self.coordinator.data, self.load_id)


ENERGY = SensorEntityDescription(
    key="energy",
    translation_key="load_energy",
    device_class=SensorDeviceClass.ENERGY,
    state_class=SensorStateClass.TOTAL_INCREASING,
    native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
    suggested_display_precision=2,
)


class LoadEnergySensor(DynamicOcppEvseLoadEntity, RestoreSensor):
    """The energy a load drew under our control, carried on across restarts.

    The coordinator integrates each cycle's power; this adds what it counted since the entity
    was added to the total restored from before.
    """

    _attr_native_value: float = 0.0
    _counted_at_start: float = 0.0

    async def async_added_to_hass(self) -> None:
        """Carry on from the last total."""
        await super().async_added_to_hass()
        last = await self.async_get_last_sensor_data()
        if last is not None and isinstance(last.native_value, (int, float)):
            self._attr_native_value = float(last.native_value)
        self._counted_at_start = self.coordinator.energy_kwh(self.load_id)
        self._restored = self._attr_native_value

    @property
    def native_value(self) -> float:
        """The total so far (kWh)."""
        counted = self.coordinator.energy_kwh(self.load_id) - self._counted_at_start
        return round(self._restored + counted, 4)

    _restored: float = 0.0


class GroupUseSensor(CoordinatorEntity[DynamicOcppEvseCoordinator], SensorEntity):
    """What a circuit group carries on one phase against its rating (its own device)."""

    _attr_has_entity_name = True
    _attr_translation_key = "group_use"
    _attr_device_class = SensorDeviceClass.CURRENT
    _attr_state_class = SensorStateClass.MEASUREMENT
    _attr_native_unit_of_measurement = UnitOfElectricCurrent.AMPERE
    _attr_suggested_display_precision = 1

    def __init__(
        self, coordinator: DynamicOcppEvseCoordinator, group_id: str, phase: Phase
    ) -> None:
        """Attach to the group's device."""
        super().__init__(coordinator)
        self._group_id = group_id
        self._phase = phase
        self._attr_unique_id = f"{group_id}_use_{phase.value.lower()}"
        self._attr_translation_placeholders = {"phase": phase.value}
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, group_id)},
            manufacturer=MANUFACTURER,
            model="Circuit group",
            name=coordinator.config_entry.subentries[group_id].title,
        )

    @property
    def native_value(self) -> float | None:
        """Its loads' allocations and holds on this phase; unknown in the safe state."""
        return self.coordinator.data.group_use_a.get(self._group_id, {}).get(
            self._phase
        )

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Its rating, to read the use against."""
        ratings = {g.id: g.rating_a for g in self.coordinator.data.snapshot.site.groups}
        return {"rating": ratings.get(self._group_id)}
