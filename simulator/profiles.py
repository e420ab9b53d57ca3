"""The day's weather and household.

PV from pvlib's clear sky with passing clouds; the house from the BDEW standard household
profile (demandlib) with noise and appliance spikes.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

from demandlib import bdew
import numpy as np
import numpy.typing as npt
import pandas as pd
from pvlib.location import Location

from .day import Day

type Series = npt.NDArray[np.float64]
PV_DERATE = 0.85  # inverter, temperature and wiring losses on a good day
CLOUD_STEP_S = 10.0  # clouds change at this resolution


def times_s(day: Day) -> Series:
    """Seconds since midnight of every simulation step."""
    start = day.start_h * 3600.0
    return np.arange(start, start + day.hours * 3600.0, day.step_s, dtype=np.float64)


def pv_w(day: Day, rng: np.random.Generator) -> Series:
    """AC power of the PV system per step."""
    index = pd.date_range(
        start=pd.Timestamp(day.date, tz="UTC") + pd.Timedelta(hours=day.start_h),
        periods=len(times_s(day)),
        freq=f"{int(day.step_s)}s",
    )
    clear = Location(day.latitude, day.longitude, tz="UTC").get_clearsky(index)["ghi"]
    power = (
        day.pv_kwp * clear.to_numpy(dtype=float) * PV_DERATE
    )  # kWp x W/m2 / (1000 W/m2) x 1000
    return np.asarray(power * _cloud_factor(day, rng, len(power)), dtype=np.float64)


def _cloud_factor(day: Day, rng: np.random.Generator, steps: int) -> Series:
    """A two-state sky (clear / under a cloud) that switches at random, CLOUD_STEP_S at a time."""
    if day.clouds <= 0:
        return np.ones(steps)
    per_cloud_step = max(int(CLOUD_STEP_S // day.step_s), 1)
    blocks = steps // per_cloud_step + 1
    factor = np.ones(blocks)
    shaded = False
    for i in range(blocks):
        # Clouds last about a minute; how often they come grows with `clouds`.
        if shaded and rng.random() < 0.15:
            shaded = False
        elif not shaded and rng.random() < 0.05 * day.clouds:
            shaded = True
        factor[i] = rng.uniform(0.15, 0.4) if shaded else 1.0
    return np.asarray(np.repeat(factor, per_cloud_step)[:steps], dtype=np.float64)


@cache
def _h0_day(year: int, date: dt.date) -> tuple[float, ...]:
    """The BDEW H0 profile of one date for 1000 kWh a year: 96 quarter-hour energies (kWh)."""
    profiles = bdew.ElecSlp(year).get_scaled_profiles({"h0": 1000.0})
    day = profiles.loc[str(date)]
    return tuple(float(v) for v in day["h0"].to_numpy()[:96])


def house_w(day: Day, rng: np.random.Generator) -> npt.NDArray[np.float64]:
    """House load per phase and step (W), shape (phases, steps)."""
    times = times_s(day)
    quarter = np.array(_h0_day(day.date.year, day.date)) * day.house_kwh_year / 1000.0
    mean_w = np.interp(times, np.arange(96) * 900.0 + 450.0, quarter * 4000.0)
    shares = np.array(day.house_phase_share[: len(day.phases)], dtype=float)
    shares = shares / shares.sum()
    loads = np.outer(shares, mean_w) * rng.normal(
        1.0, 0.08, size=(len(shares), len(times))
    )
    for spike in day.spikes:
        if spike.phase in day.phases:
            on = (times >= spike.start_h * 3600) & (
                times < spike.start_h * 3600 + spike.minutes * 60
            )
            loads[day.phases.index(spike.phase), on] += spike.power_w
    return np.asarray(np.clip(loads, 0.0, None), dtype=np.float64)
