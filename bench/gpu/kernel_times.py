"""Summarises ncu's CSV of gpu__time_duration per kernel launch (see kernel-times.sh).

The run is periodic: the last whole period of kernel names is one engine run."""
import csv
import sys
from collections import defaultdict


def rows(path):
    with open(path, newline="") as f:
        lines = [l for l in f if l.startswith('"')]
    for r in csv.DictReader(lines):
        if r.get("Metric Name") == "gpu__time_duration.sum":
            yield r["Kernel Name"], float(r["Metric Value"].replace(",", "")) / 1000.0  # ns -> us


def period(names):
    """The shortest P such that the last P names repeat the P before them."""
    n = len(names)
    for p in range(1, n // 2 + 1):
        if names[n - p:] == names[n - 2 * p:n - p]:
            return p
    return n


def main():
    path, label = sys.argv[1], sys.argv[2]
    launches = list(rows(path))
    if not launches:
        print(f"{label}: no kernel rows in {path}")
        return 1
    names = [k for k, _ in launches]
    p = period(names)
    run = launches[-p:]
    total = sum(t for _, t in run)
    print(f"{label}: {p} kernels per run, {total:.1f} us of kernel time ({len(launches)} launches profiled)")
    by_name = defaultdict(lambda: [0, 0.0])
    for k, t in run:
        short = k.split("(")[0]
        by_name[short][0] += 1
        by_name[short][1] += t
    for k, (count, t) in sorted(by_name.items(), key=lambda kv: -kv[1][1]):
        print(f"  {t:8.1f} us  {count:3d} x  {t / count:6.1f} us  {k}")
    print("  slowest launches:")
    for i, (k, t) in sorted(enumerate(run), key=lambda it: -it[1][1])[:10]:
        print(f"    #{i:3d} {t:7.1f} us  {k.split('(')[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
