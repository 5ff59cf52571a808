#!/usr/bin/env python3
"""Prints the medians of the last `cargo bench --bench decide` run, per
decision and per second, each with its ratio to the hand-written floor
measured in the same run. Reads criterion's files under target/criterion."""

import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent / "target" / "criterion"
FLOOR = "per-request/floor: hand-written decode + decision"


def results():
    for benchmark in sorted(ROOT.glob("**/new/benchmark.json")):
        meta = json.loads(benchmark.read_text())
        estimates = json.loads((benchmark.parent / "estimates.json").read_text())
        elements = (meta.get("throughput") or {}).get("Elements") or 1
        median_ns = estimates["median"]["point_estimate"] / elements
        yield meta["full_id"], median_ns, elements


def main():
    rows = list(results())
    if not rows:
        sys.exit("no results: run `cargo bench --bench decide` first")
    floor = next((ns for name, ns, _ in rows if name == FLOOR), None)
    print(f"{'benchmark':62} {'median ns/op':>12} {'ops/s':>12} {'× floor':>8}")
    for name, ns, elements in rows:
        per_second = 1e9 / ns if ns else 0
        ratio = f"{ns / floor:8.2f}" if floor and elements > 1 else "       -"
        print(f"{name:62} {ns:12.0f} {per_second:12,.0f} {ratio}")


if __name__ == "__main__":
    main()
