#!/usr/bin/env python3
"""End-to-end alert latency against a running `sphere serve`: from sending an ingestion
(POST /api/v1/data-ingestion) that crosses a rule to the event arriving on a connected
Server-Sent Events stream (GET /api/v1/alert-events/stream). Python standard library only.

  alerts_latency.py --port 8080 --key sk_... [--events 300] [--background-rules 10000]
                    [--db path/to/sphere.db]

Background rules (creator rules on real creator ids read from --db, and scouting rules over
platform x niche) are created first so the index is not empty; they never fire on the bench
creator. Each measured event is one crossing: the follower count alternates below/above the
rule's threshold (cooldown 0), and only the upward ingestions are timed.
"""
import argparse
import http.client
import json
import random
import socket
import sqlite3
import statistics
import sys
import time


def call(port, key, method, path, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": "Bearer " + key}
    data = None
    if body is not None:
        data = json.dumps(body)
        headers["Content-Type"] = "application/json"
    conn.request(method, path, data, headers)
    response = conn.getresponse()
    payload = response.read()
    conn.close()
    return response.status, payload


class Stream:
    def __init__(self, port, key):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.sendall((
            "GET /api/v1/alert-events/stream HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n"
            "Authorization: Bearer " + key + "\r\n\r\n").encode())
        self.buffer = b""
        self.wait_for(b"retry:", 30)

    def wait_for(self, marker, timeout):
        deadline = time.monotonic() + timeout
        while marker not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no %r on the stream" % marker)
            self.sock.settimeout(left)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("stream closed")
            self.buffer += chunk
        at = self.buffer.index(marker) + len(marker)
        self.buffer = self.buffer[at:]


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--background-rules", type=int, default=0)
    parser.add_argument("--db", help="the served SQLite store (for real creator ids)")
    args = parser.parse_args()
    rng = random.Random(7)

    if args.background_rules:
        ids = []
        if args.db:
            db = sqlite3.connect(args.db)
            ids = [row[0] for row in db.execute("SELECT id FROM creator ORDER BY id LIMIT 50000")]
        niches = ["fitness", "beauty", "food", "travel", "gaming", "music", "fashion", "tech"]
        started = time.monotonic()
        for i in range(args.background_rules):
            if ids and i % 10 < 7:
                rule = {"type": "creator", "creator_id": rng.choice(ids),
                        "metric": rng.choice(["engagement_rate", "follower_count"]),
                        "condition": "above", "threshold": 1e12 if rng.random() < 0.5 else 0.99}
                if rule["metric"] == "engagement_rate":
                    rule["threshold"] = 0.99
                else:
                    rule["threshold"] = 1e12
            else:
                rule = {"type": "scout", "platform": rng.choice(["instagram", "tiktok", "youtube"]),
                        "conditions": [{"metric": "momentum", "op": "above", "threshold": 50}]}
                if rng.random() < 0.9:
                    rule["niche"] = rng.choice(niches)
            status, body = call(args.port, args.key, "POST", "/api/v1/alert-rules", rule)
            if status != 201:
                if status == 400 and b"niche" in body:
                    rule.pop("niche", None)
                    status, body = call(args.port, args.key, "POST", "/api/v1/alert-rules", rule)
                if status != 201:
                    sys.exit("background rule refused: %d %s" % (status, body[:200]))
        print("created %d background rules in %.1f s" % (args.background_rules,
                                                          time.monotonic() - started))

    handle = "latency_bench_%d" % int(time.time())
    profile = {"username": handle, "platform": "instagram", "follower_count": 1000}
    status, body = call(args.port, args.key, "POST", "/api/v1/data-ingestion", profile)
    if status != 202:
        sys.exit("ingestion refused: %d %s" % (status, body[:300]))
    creator = json.loads(body)["influencer_id"]
    status, body = call(args.port, args.key, "POST", "/api/v1/alert-rules",
                        {"type": "creator", "creator_id": creator, "metric": "follower_count",
                         "condition": "above", "threshold": 5000, "cooldown_hours": 0})
    if status != 201:
        sys.exit("rule refused: %d %s" % (status, body[:300]))
    stream = Stream(args.port, args.key)
    time.sleep(0.5)

    latencies, ingest_only = [], []
    for i in range(args.events):
        profile["follower_count"] = 1000 + i  # below: leaves the crossing
        status, _ = call(args.port, args.key, "POST", "/api/v1/data-ingestion", profile)
        assert status == 202
        profile["follower_count"] = 9000 + i  # above: a new crossing
        sent = time.perf_counter()
        status, _ = call(args.port, args.key, "POST", "/api/v1/data-ingestion", profile)
        answered = time.perf_counter()
        assert status == 202
        stream.wait_for(b"event: alert", 10)
        arrived = time.perf_counter()
        latencies.append((arrived - sent) * 1000)
        ingest_only.append((answered - sent) * 1000)

    print(json.dumps({
        "events": len(latencies),
        "background_rules": args.background_rules,
        "ingest_to_stream_ms": {"p50": round(statistics.median(latencies), 2),
                                "p90": round(percentile(latencies, 0.90), 2),
                                "p99": round(percentile(latencies, 0.99), 2),
                                "max": round(max(latencies), 2)},
        "ingest_request_ms": {"p50": round(statistics.median(ingest_only), 2),
                              "p99": round(percentile(ingest_only, 0.99), 2)},
    }, indent=1))


if __name__ == "__main__":
    main()
