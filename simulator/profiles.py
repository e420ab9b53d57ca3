"""The day's weather and household.

PV from pvlib's clear sky under a sky regime (clear, broken, fast cumulus, overcast, mixed); the house from the BDEW standard household
profile (demandlib) with noise and appliance spikes.
"""

from __future__ import annotations

from dataclasses import dataclass
import datetime as dt
from functools import cache
import math

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
    power = power * _cloud_factor(day, rng, len(power))
    if day.inverter_w is not None:
        power = np.minimum(power, day.inverter_w)  # the inverter clips
    return np.asarray(power, dtype=np.float64)


@dataclass(frozen=True, slots=True)
class Sky:
    """One weather regime: sunny spells and cloud shadows of random length (docs/design.md §10).

    The clear-sky index (PV over its clear-sky value) alternates between sun and shade; the
    spells last an exponentially distributed time around their means, and inside a spell the
    index wanders with an autocorrelated (AR(1)) noise sampled every CLOUD_STEP_S.
    """

    sun_s: float  # mean length of a sunny spell (inf: no clouds)
    shade_s: float  # mean length of a cloud shadow (inf: always overcast)
    shade_index: tuple[
        float, float
    ]  # the clear-sky index under a cloud: uniform in this range
    noise: float  # standard deviation of the index's wander


SKIES: dict[str, Sky] = {
    "clear": Sky(math.inf, 0.0, (1.0, 1.0), 0.01),
    # Now and then a cloud: a shadow of about a minute every quarter of an hour.
    "scattered": Sky(900.0, 60.0, (0.2, 0.5), 0.02),
    # Cumulus drifting past: shadows of about a minute, a few times an hour to every few minutes.
    "broken": Sky(300.0, 90.0, (0.2, 0.5), 0.03),
    # Fast cumulus: sunny spells of 20-60 s between shadows as long, for hours.
    "cumulus": Sky(40.0, 40.0, (0.2, 0.4), 0.03),
    # A thin, moving cloud deck: always shaded, the index wanders.
    "overcast": Sky(0.0, math.inf, (0.2, 0.45), 0.05),
}
MIXED_REGIME_S = (1800.0, 5400.0)  # "mixed": the sky changes regime every 30-90 min
AR_COEFFICIENT = (
    0.9  # the index's noise keeps 90 % of itself from one 10 s sample to the next
)


def _shade_share(sky: Sky) -> float:
    if math.isinf(sky.sun_s):
        return 0.0
    if math.isinf(sky.shade_s):
        return 1.0
    return sky.shade_s / (sky.sun_s + sky.shade_s)


def _cloud_factor(day: Day, rng: np.random.Generator, steps: int) -> Series:
    """The clear-sky index per step under the day's sky."""
    per_sample = max(int(CLOUD_STEP_S // day.step_s), 1)
    samples = steps // per_sample + 1
    if day.sky == "mixed":
        regimes: list[Sky] = []
        while len(regimes) < samples:
            length = int(rng.uniform(*MIXED_REGIME_S) / CLOUD_STEP_S)
            regimes += [SKIES[str(rng.choice(list(SKIES)))]] * length
    elif day.sky in SKIES:
        regimes = [SKIES[day.sky]] * samples
    else:
        msg = f"sky: {day.sky!r} is none of {', '.join([*SKIES, 'mixed'])}"
        raise ValueError(msg)
    factor = np.ones(samples)
    shaded, shade, wander = False, 1.0, 0.0
    for i, sky in enumerate(regimes[:samples]):
        if i == 0 or sky is not regimes[i - 1]:
            shaded = rng.random() < _shade_share(sky)
            shade = rng.uniform(*sky.shade_index)
        elif rng.random() < CLOUD_STEP_S / (sky.shade_s if shaded else sky.sun_s):
            shaded = not shaded
            shade = rng.uniform(*sky.shade_index)
        wander = AR_COEFFICIENT * wander + rng.normal(
            0.0, sky.noise * math.sqrt(1 - AR_COEFFICIENT**2)
        )
        factor[i] = max((shade if shaded else 1.0) + wander, 0.0)
    return np.asarray(np.repeat(factor, per_sample)[:steps], dtype=np.float64)


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
