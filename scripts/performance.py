"""Regenerate the table of docs/performance.md.

Runs every standard day, writes the picture of one day into docs/, and replaces the table
between the markers of docs/performance.md.
"""

from __future__ import annotations

from pathlib import Path
import shutil
import tempfile

from simulator.compare import run_day
from simulator.day import load_day

ROOT = Path(__file__).parent.parent
START, END = "<!-- performance:start -->", "<!-- performance:end -->"
PICTURE_DAY = "two_cars_and_plug"


def main() -> None:
    """Run the days and rewrite the section."""
    docs = ROOT / "docs"
    docs.mkdir(exist_ok=True)
    rows = [
        (
            "| Day | Controller | Self-consumption | (optimum) | EV solar share | Delivered | "
            "Over limit (A·s) | Longest overload (s) | Import-cap excess (kW·s) "
            "| Writes per charging hour | Reversals/h |"
        ),
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        for path in sorted((ROOT / "simulator" / "days").glob("*.yaml")):
            result = run_day(load_day(path), Path(tmp))
            if path.stem == PICTURE_DAY:
                shutil.copy(Path(tmp) / f"{path.stem}.png", docs / "performance.png")
            for name, m in result["controllers"].items():
                rows.append(
                    f"| {result['day'] if name == 'ours' else ''} | {name} "
                    f"| {m['energy']['self_consumption']:.1%} "
                    f"| {result['optimum_self_consumption']:.1%} "
                    f"| {m['energy']['ev_solar_share']:.0%} "
                    f"| {m['service']['delivered_share']:.0%} "
                    f"| {m['safety']['phase_over_limit_As']:.0f} "
                    f"| {m['safety']['longest_overload_s']:.0f} "
                    f"| {m['safety']['import_cap_over_Ws'] / 1000:.0f} "
                    f"| {m['stability']['writes_per_charging_hour']:.1f} "
                    f"| {m['stability']['setpoint_reversals_per_hour']:.1f} |"
                )
    page = docs / "performance.md"
    text = page.read_text(encoding="utf-8")
    before, rest = text.split(START)
    _, after = rest.split(END)
    section = "\n".join(rows)
    page.write_text(f"{before}{START}\n{section}\n{END}{after}", encoding="utf-8")
    print(section)


if __name__ == "__main__":
    main()
