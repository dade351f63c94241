#!/usr/bin/env python3
"""Peer for BM_KimPostsCsvRecords: Python's standard gzip + csv modules reading the same
file (the seed's stack read its data with Python). Prints records/s over N runs.
    python3 bench/peer_python_csv.py [RUNS]"""
import csv, gzip, sys, time, pathlib

path = pathlib.Path(__file__).resolve().parent.parent / "data/instagram/kim_posts.csv.gz"
runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
best = None
for _ in range(runs):
    start = time.perf_counter()
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        records = sum(1 for _ in csv.reader(f))
    elapsed = time.perf_counter() - start
    best = elapsed if best is None else min(best, elapsed)
print(f"python csv+gzip: {records} records, best of {runs}: {best*1000:.1f} ms, {records/best/1000:.1f}k records/s")
