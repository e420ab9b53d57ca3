"""`python -m simulator DAY.yaml [DAY.yaml ...] --out DIR`: metrics (JSON) and a picture per day.

Every day is run with our controller, the naive follower and the evcc-style controller on the
same inputs, and the perfect-foresight optimum bounds the self-consumption. `--sweep N` runs N
generated homes instead (see sweep.py).
"""

from __future__ import annotations

import argparse
from pathlib import Path
import time

from .compare import run_day
from .day import load_day


def main() -> None:
    """Run the days named on the command line, or a sweep."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("days", nargs="*", type=Path, help="day descriptions (YAML)")
    parser.add_argument(
        "--out", type=Path, default=Path("out"), help="where to write results"
    )
    parser.add_argument(
        "--sweep", type=int, default=0, help="run this many generated homes"
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="which set of generated homes (0: the tuned one)",
    )
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.sweep:
        from .sweep import run_sweep  # noqa: PLC0415

        run_sweep(args.sweep, args.out, args.seed)
        return
    for path in args.days:
        started = time.perf_counter()
        result = run_day(load_day(path), args.out)
        ours = result["controllers"]["ours"]
        print(
            f"{result['day']}: {time.perf_counter() - started:.1f} s, self-consumption "
            f"{ours['energy']['self_consumption']:.1%} (optimum "
            f"{result['optimum_self_consumption']:.1%}), over-limit "
            f"{ours['safety']['phase_over_limit_As']:.0f} A·s"
        )


if __name__ == "__main__":
    main()
