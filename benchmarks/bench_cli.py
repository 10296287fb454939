"""How long `videoaffect --help` and every `videoaffect COMMAND --help` take, each in a fresh
process (interpreter start-up included), as a user typing them sees it.

    python benchmarks/bench_cli.py [--repeats 5]

Prints the median and the worst of the repeats per command.  Nothing is asserted: the figures
go to docs/benchmarks/cli.md with the date and the machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

COMMANDS = ["", "synth", "train", "evaluate", "predict", "demo", "extract", "features", "weights",
            "train-expression", "reproduce", "benchmark"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    exe = shutil.which("videoaffect", path=os.path.dirname(sys.executable)) or "videoaffect"
    print(f"{exe}; {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"load {os.getloadavg()[0]:.2f}")
    worst_median = 0.0
    for command in COMMANDS:
        argv = [exe, *([command] if command else []), "--help"]
        times = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
            times.append(time.perf_counter() - t0)
        median = statistics.median(times)
        worst_median = max(worst_median, median)
        print(f"videoaffect {command or '':17s} --help  median {median:.3f} s  worst {max(times):.3f} s")
    print(f"slowest median: {worst_median:.3f} s")


if __name__ == "__main__":
    main()
