#!/usr/bin/python3
"""Helpers of bench/serve_bench.sh (not part of the served peer): the request pool, the
export of our exact PLEP vectors for the peer, the cross-server validation and the report.

    pool.py pool     DB OUT.json [PAIRS]        real Kim (creator, caption) pairs of the store
    pool.py export   SPHERE STORE MODEL_DIR POOL.json AT AGE_DAYS OUT.json
    pool.py seed-vectors VECTORS.json SPHERE STORE OUT.json
    pool.py bodies   VECTORS.json DIR           one JSON request body a line, per route
    pool.py validate VECTORS.json OURS_URL KEY PEER_URL
    pool.py cpu      PGID                       CPU seconds of a process group so far
    pool.py report   RESULTS.tsv OUT.md META.json

Only the standard library and (for `export`) Debian's python3-xgboost and numpy.
"""
import json
import math
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

KIM_SOURCE = "kim_posts"
CAPTIONS_PER_CREATOR = 5
MAX_CAPTION_BYTES = 1500  # keeps wrk's request bodies ordinary-sized
# What `sphere diagnose` assumes for a draft (the counts read 90 days after posting).
AGE_DAYS = "90"


def _fail(message):
    sys.exit(f"serve_bench: {message}")


# ---- pool ------------------------------------------------------------------------------
def cmd_pool(db, out, pairs="200"):
    """Picks PAIRS (creator, caption) pairs: CAPTIONS_PER_CREATOR real captions of each of
    PAIRS / CAPTIONS_PER_CREATOR Kim creators, creators spread by a multiplicative hash of
    their id so the pool is deterministic for a store but not the first rows of one niche."""
    import sqlite3

    pairs = int(pairs)
    creators_wanted = max(1, math.ceil(pairs / CAPTIONS_PER_CREATOR))
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = con.execute(
        """select c.id, c.handle, p.id, p.caption from post p join creator c on c.id = p.creator_id
           where p.source = ? and p.platform = 'instagram' and length(trim(p.caption)) > 0
             and length(cast(p.caption as blob)) <= ?
           order by c.id, p.id""",
        (KIM_SOURCE, MAX_CAPTION_BYTES),
    ).fetchall()
    by_creator = {}
    for creator_id, handle, _post_id, caption in rows:
        entry = by_creator.setdefault(creator_id, {"handle": handle, "captions": []})
        if caption not in entry["captions"]:
            entry["captions"].append(caption)
    eligible = [c for c, e in by_creator.items() if len(e["captions"]) >= CAPTIONS_PER_CREATOR]
    eligible.sort(key=lambda c: (c * 2654435761) % (1 << 32))
    if len(eligible) < creators_wanted:
        _fail(f"{db} has {len(eligible)} Kim creators with {CAPTIONS_PER_CREATOR} captions; "
              f"{creators_wanted} wanted (import data/ first: scripts/run.sh)")
    pool = []
    for creator_id in eligible[:creators_wanted]:
        e = by_creator[creator_id]
        for caption in e["captions"][:CAPTIONS_PER_CREATOR]:
            pool.append({"creator_id": creator_id, "handle": e["handle"], "caption": caption})
    pool = pool[:pairs]
    Path(out).write_text(json.dumps(pool, ensure_ascii=False, indent=0))
    print(f"pool: {len(pool)} pairs of {creators_wanted} creators")


# ---- export ----------------------------------------------------------------------------
def _niche_ids_by_name(repo):
    """Niche display name -> id, from docs/niches.md (generated from src/core/niche.h)."""
    names = {}
    for line in (repo / "docs/niches.md").read_text().splitlines():
        m = re.match(r"\| `([a-z_]+)` \| ([^|]+?) \|", line)
        if m:
            names[m.group(2)] = m.group(1)
    if not names:
        _fail("docs/niches.md: no niche table found")
    return names


def _run_json(cmd):
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        _fail(f"{' '.join(cmd[:3])}... failed ({done.returncode}): {done.stderr.strip()}")
    return json.loads(done.stdout)


def _market_scores(store):
    """creator id -> the score of their latest stored Market Value (what the seed route
    answers as market_score)."""
    import sqlite3

    if not store.startswith("sqlite:"):
        _fail(f"the benchmark reads a SQLite store; got {store}")
    con = sqlite3.connect(f"file:{store[len('sqlite:'):]}?mode=ro", uri=True)
    rows = con.execute("select creator_id, score from market_value order by as_of, computed_at, id")
    return {creator_id: score for creator_id, score in rows}


class _Exporter:
    """Builds our exact PLEP vectors: `sphere features` (the post features, from the
    featurizer the server runs) then the niche indicators."""

    def __init__(self, sphere, store, model_dir, age_days):
        import xgboost

        self.sphere, self.store, self.model_dir = sphere, store, Path(model_dir).resolve()
        # "" = no --age-days (post.age_days missing, as the API's drafts); else days.
        self.age_days = age_days
        self.manifest = json.loads((self.model_dir / "manifest.json").read_text())
        self.names = self.manifest["feature_names"]
        self.niche_names = [n for n in self.names if n.startswith("niche.")]
        self.booster = xgboost.Booster(model_file=str(self.model_dir / "engagement.json"))
        self.booster.set_param({"nthread": 1})

    def common_flags(self, pair, at, age_days):
        flags = ["--creator", pair["handle"], "--platform", "instagram", "--at", at,
                 "--format", "image", f"--caption={pair['caption']}"]
        return flags + (["--age-days", age_days] if age_days else [])

    def post_features(self, pair, at):
        return _run_json([self.sphere, "--store", self.store, "features",
                          *self.common_flags(pair, at, self.age_days), "--json"])["features"]

    def row(self, values):
        missing = [n for n in self.names if n not in values]
        if missing:
            _fail(f"`sphere features` lacks {missing[:5]}: the model at {self.model_dir} is "
                  "not this build's schema")
        return [math.nan if values[n] is None else float(values[n]) for n in self.names]

    def engagement(self, row):
        import numpy as np
        import xgboost

        dm = xgboost.DMatrix(np.array([row], dtype=np.float32), missing=np.nan, nthread=1)
        return math.expm1(max(0.0, float(self.booster.predict(dm)[0])))


def _stored(row):
    return [None if math.isnan(v) else v for v in row]


def cmd_export(sphere, store, model_dir, pool_path, at, age_days, out):
    """The product route's vectors (posted_at = AT) of every pool pair. The niche comes from
    `sphere diagnose` (its niche driver names the niche PLEP saw for the creator), and every
    vector is checked: XGBoost on it (post.age_days set as diagnose sets it) must predict what
    `sphere diagnose` predicts, else the export stops."""
    exporter = _Exporter(sphere, store, model_dir, age_days)
    niche_ids = _niche_ids_by_name(Path(__file__).resolve().parents[2])
    pool = json.loads(Path(pool_path).read_text())
    scores = _market_scores(store)
    diagnose_age = age_days or AGE_DAYS
    vectors = []
    worst = 0.0
    started = time.monotonic()
    for i, pair in enumerate(pool):
        values = dict(exporter.post_features(pair, at))
        diagnosis = _run_json([sphere, "--store", store, "diagnose",
                               *exporter.common_flags(pair, at, diagnose_age), "--model",
                               str(exporter.model_dir), "--json"])
        label = next(d["label"] for d in diagnosis["drivers"] if d["group"] == "niche")
        if label.startswith("niche: "):
            niche = niche_ids.get(label[len("niche: "):])
            if niche is None:
                _fail(f"niche label '{label}' is not in docs/niches.md")
            for n in exporter.niche_names:
                values[n] = 1.0 if n == "niche." + niche else 0.0
        elif label == "niche unknown":
            for n in exporter.niche_names:
                values[n] = None
        else:
            _fail(f"{pair['handle']}: unexpected niche label '{label}'")
        row = exporter.row(values)
        check = exporter.row({**values, "post.age_days": float(diagnose_age)})
        expected = diagnosis["prediction"]["engagement"]
        got = exporter.engagement(check)
        rel = abs(got - expected) / max(abs(expected), 1e-9)
        worst = max(worst, rel)
        if rel > 1e-3:
            _fail(f"pair {i} ({pair['handle']}): XGBoost on the exported vector predicts "
                  f"{got:.4f}, sphere diagnose {expected:.4f}: the vector is not ours")
        vectors.append({**pair, "vector": _stored(row), "engagement": exporter.engagement(row),
                        "market_score": scores.get(pair["creator_id"])})
        if (i + 1) % 50 == 0:
            print(f"  export: {i + 1}/{len(pool)} ({time.monotonic() - started:.0f} s)")
    Path(out).write_text(json.dumps({
        "model_dir": str(exporter.model_dir), "model_version": exporter.manifest["version"],
        "at": at, "age_days": age_days or None, "feature_names": exporter.names,
        "pairs": vectors}, ensure_ascii=False))
    print(f"export: {len(vectors)} vectors; XGBoost on them vs sphere diagnose: worst relative "
          f"difference {worst:.2e}")


def cmd_seed_vectors(vectors_path, sphere, store, out):
    """The seed route's vectors: the seed's request has no time, so the server posts the draft
    "now"; this exports each pair's vector at the current second (the niche as exported) just
    before the servers start, into a copy of VECTORS (as seed_vector, seed_engagement)."""
    data = json.loads(Path(vectors_path).read_text())
    exporter = _Exporter(sphere, store, data["model_dir"], data["age_days"] or "")
    # The vectors hold post.hour_utc: wait out the last minute of an hour so the servers'
    # validation a few seconds later falls in the same hour.
    while time.gmtime().tm_min == 59:
        time.sleep(5)
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    for pair in data["pairs"]:
        values = dict(exporter.post_features(pair, now))
        for n, v in zip(exporter.names, pair["vector"]):
            if n.startswith("niche."):
                values[n] = v
        row = exporter.row(values)
        pair["seed_vector"] = _stored(row)
        pair["seed_engagement"] = exporter.engagement(row)
    data["seed_at"] = now
    Path(out).write_text(json.dumps(data, ensure_ascii=False))
    print(f"seed vectors: {len(data['pairs'])} at {now}")


# ---- bodies ----------------------------------------------------------------------------
def cmd_bodies(vectors_path, out_dir):
    """One request body a line (JSON has no raw newline) for each route the wrk scripts
    cycle through."""
    data = json.loads(Path(vectors_path).read_text())
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    routes = {
        "seed": lambda p: {"influencer_id": str(p["creator_id"]), "post_text": p["caption"],
                           "mock_image_path": None},
        "plep_explain": lambda p: {"creator": "instagram/" + p["handle"], "caption": p["caption"],
                                   "media_type": "image", "posted_at": data["at"],
                                   "explain": True},
        "plep": lambda p: {"creator": "instagram/" + p["handle"], "caption": p["caption"],
                           "media_type": "image", "posted_at": data["at"], "explain": False},
    }
    for name, body in routes.items():
        lines = [json.dumps(body(p), ensure_ascii=False, separators=(",", ":"))
                 for p in data["pairs"]]
        (out / f"{name}.bodies").write_text("\n".join(lines) + "\n")
    print(f"bodies: {len(data['pairs'])} per route in {out}")


# ---- validate --------------------------------------------------------------------------
ROUTES = {"seed": "/api/v1/realtime-plep", "plep_explain": "/api/v1/plep", "plep": "/api/v1/plep"}


def _post(url, body, key=None):
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = "Bearer " + key
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


def _engagement(route, reply):
    if route == "seed":
        return float(reply["predicted_engagement"])
    return float(reply["prediction"]["engagement"])


def cmd_validate(vectors_path, ours, key, peer, bodies_dir):
    """Every pool pair, every route, both servers: 200, and the same predicted engagement
    within 1e-3 relative (and, with contributions, as many contributions)."""
    data = json.loads(Path(vectors_path).read_text())
    worst = {}
    for route in ROUTES:
        bodies = Path(bodies_dir, f"{route}.bodies").read_text().splitlines()
        worst[route] = 0.0
        for i, body in enumerate(bodies):
            replies = {}
            for name, base, k in (("ours", ours, key), ("peer", peer, None)):
                if not base:
                    continue
                status, reply = _post(base + ROUTES[route], body, k)
                if status != 200:
                    _fail(f"validate: {name} {ROUTES[route]} pair {i} answered {status}: "
                          f"{str(reply)[:300]}\n  body: {body[:300]}")
                replies[name] = reply
            expected = data["pairs"][i]["seed_engagement" if route == "seed" else "engagement"]
            for name, reply in replies.items():
                got = _engagement(route, reply)
                rel = abs(got - expected) / max(abs(expected), 1e-9)
                worst[route] = max(worst[route], rel)
                if rel > 1e-3:
                    _fail(f"validate: {name} {ROUTES[route]} pair {i} predicts {got:.4f}; "
                          f"the exported vector gives {expected:.4f} (relative {rel:.2e})\n"
                          f"  body: {body[:300]}")
            if route == "plep_explain" and len(replies) == 2:
                counts = {n: len(r.get("contributions", [])) for n, r in replies.items()}
                if min(counts.values()) == 0:
                    _fail(f"validate: {ROUTES[route]} explain=true without contributions: "
                          f"{counts}")
    servers = " and ".join(n for n, b in (("ours", ours), ("peer", peer)) if b)
    print(f"validate: {len(data['pairs'])} pairs x {len(ROUTES)} routes, {servers}: all 200; "
          "worst relative difference to the export: " +
          ", ".join(f"{r} {w:.1e}" for r, w in worst.items()))


# ---- cpu -------------------------------------------------------------------------------
def cmd_cpu(pgid):
    """CPU seconds (user + system) used so far by the live processes of process group PGID:
    a server and, for uvicorn, its workers."""
    pgid = int(pgid)
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the process ended meanwhile
        if int(fields[2]) == pgid:  # fields after the command: state, ppid, pgrp, ...
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    print(f"{ticks / os.sysconf('SC_CLK_TCK'):.2f}")


# ---- report ----------------------------------------------------------------------------
def _parse_wrk(path):
    """req/s, p50 and p99 (ms), requests, errors from `wrk --latency` output."""
    text = Path(path).read_text()
    unit = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}

    def latency(label):
        m = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M)
        return float(m.group(1)) * unit[m.group(2)] if m else math.nan

    rps = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.M)
    total = re.search(r"^\s*(\d+) requests in", text, re.M)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                       text)
    bad = (int(non2xx.group(1)) if non2xx else 0) + (
        sum(int(g) for g in errors.groups()) if errors else 0)
    return {"rps": float(rps.group(1)) if rps else math.nan,
            "p50": latency("50"), "p99": latency("99"),
            "requests": int(total.group(1)) if total else 0, "errors": bad}


def _fmt_ms(v):
    return "n/a" if math.isnan(v) else (f"{v:.3f}" if v < 1 else f"{v:.2f}" if v < 10
                                         else f"{v:.1f}")


def cmd_report(results_tsv, out_md, meta_json):
    """RESULTS.tsv: case, server, connections, wrk output file, and the server's CPU seconds
    before and after the run, tab-separated. Prints and writes the side-by-side table with
    ratios; exits 1 when any run had errors."""
    meta = json.loads(Path(meta_json).read_text())
    runs = {}
    order = []
    for line in Path(results_tsv).read_text().splitlines():
        case, server, conns, path, cpu_before, cpu_after = line.split("\t")
        run = _parse_wrk(path)
        cpu = float(cpu_after) - float(cpu_before)
        # Server CPU per answered request: what a request costs, whatever else the shared
        # machine was doing (wall-clock figures are not).
        run["cpu_us"] = float(cpu) / run["requests"] * 1e6 if run["requests"] else math.nan
        runs[(case, server, int(conns))] = run
        if (case, int(conns)) not in order:
            order.append((case, int(conns)))
    titles = {"seed": "seed route POST /api/v1/realtime-plep (without contributions)",
              "plep_explain": "POST /api/v1/plep explain=true (with contributions)",
              "plep": "POST /api/v1/plep explain=false (without contributions)"}
    lines = [f"Run {meta['date']} on {meta['machine']}; commit {meta['commit']}; model "
             f"{meta['model_version']}; pool {meta['pairs']} (creator, caption) pairs; wrk "
             f"-t2 -d{meta['duration']} --latency, warm-up {meta['warmup']} per case; servers "
             f"alternate run by run.", ""]
    have_ours = any(s == "ours" for (_, s, _) in runs)
    header = "| case | conns | peer req/s | peer p50 ms | peer p99 ms | peer CPU µs/req |"
    rule = "|---|---:|---:|---:|---:|---:|"
    if have_ours:
        header += (" ours req/s | ours p50 ms | ours p99 ms | ours CPU µs/req | req/s ours/peer |"
                   " p99 peer/ours | CPU/req peer/ours |")
        rule += "---:|---:|---:|---:|---:|---:|---:|"
    lines += [header, rule]
    failed = []
    for case, conns in order:
        peer = runs.get((case, "peer", conns))
        ours = runs.get((case, "ours", conns))
        row = f"| {titles[case]} | {conns} |"
        for r in (peer,) + ((ours,) if have_ours else ()):
            if r is None:
                row += " - | - | - | - |"
                continue
            row += (f" {r['rps']:,.0f} | {_fmt_ms(r['p50'])} | {_fmt_ms(r['p99'])} |"
                    f" {r['cpu_us']:,.0f} |")
        if have_ours:
            if peer and ours and peer["rps"] > 0 and ours["p99"] > 0:
                row += (f" {ours['rps'] / peer['rps']:.1f}x | "
                        f"{peer['p99'] / ours['p99']:.1f}x | "
                        f"{peer['cpu_us'] / ours['cpu_us']:.1f}x |")
            else:
                row += " - | - | - |"
        lines.append(row)
        for server, r in (("peer", peer), ("ours", ours)):
            if r and (r["errors"] or r["requests"] == 0):
                failed.append(f"{server} {case} c{conns}: {r['errors']} errors, "
                              f"{r['requests']} requests")
    if have_ours:
        lines += ["", "Targets (issue 6): with contributions at least 8x the peer's req/s and p99 "
                  "under 2 ms at 8 connections; without contributions at least 10x."]
        for case, want in (("plep_explain", 8), ("plep", 10), ("seed", 10)):
            ratios = {c: runs[(case, "ours", c)]["rps"] / runs[(case, "peer", c)]["rps"]
                      for (k, c) in order if k == case
                      and (case, "ours", c) in runs and (case, "peer", c) in runs
                      and runs[(case, "peer", c)]["rps"] > 0}
            if not ratios:
                continue
            short = [str(c) for c, r in ratios.items() if r < want]
            line = (f"- {titles[case]}: req/s ratio " +
                    ", ".join(f"{r:.1f}x at {c}" for c, r in ratios.items()) +
                    f" (target {want}x: " +
                    ("met at every count)" if not short else
                     f"NOT met at {', '.join(short)} connections)"))
            if want == 8 and (case, "ours", 8) in runs:
                p99 = runs[(case, "ours", 8)]["p99"]
                line += (f"; p99 at 8 connections {_fmt_ms(p99)} ms (target < 2 ms: "
                         f"{'met' if p99 < 2 else 'NOT met'})")
            lines.append(line)
    text = "\n".join(lines) + "\n"
    if failed:
        text += "\nERRORS: " + "; ".join(failed) + "\n"
    Path(out_md).write_text(text)
    print(text)
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    commands = {"pool": cmd_pool, "export": cmd_export, "seed-vectors": cmd_seed_vectors,
                "bodies": cmd_bodies, "cpu": cmd_cpu,
                "validate": cmd_validate, "report": cmd_report}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        _fail(__doc__)
    commands[sys.argv[1]](*sys.argv[2:])
