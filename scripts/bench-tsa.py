#!/usr/bin/env python3
"""TSA load benchmark, loopback only and bounded in time: replies/s and latency percentiles of
`esign tsa serve` (ECDSA P-256 TSA key from the demo PKI) under wrk, then a check that no serial
number repeats over every reply issued and across a restart.

Needs wrk (Debian package `wrk`; installed when missing and running as root). Prints a table or --json.
"""
import argparse, atexit, json, os, re, shutil, signal, socket, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from importlib import import_module
bench_sign = import_module("bench-sign")


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close(); return port


def start(esign, pki, db, port):
    p = subprocess.Popen([esign, "tsa", "serve", "--p12", os.path.join(pki, "tsa.p12"), "--password-file", os.path.join(pki, "password.txt"),
                          "--port", str(port), "--db", db, "--log-level", "warning"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close(); return p
        except OSError:
            time.sleep(0.05)
    raise SystemExit("the TSA did not start")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=int, default=100, help="load duration (100 s gives over a million replies at 10k/s)")
    ap.add_argument("--connections", type=int, default=24)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    log = (lambda *a: print(*a, file=sys.stderr)) if args.json else print
    if not shutil_which("wrk"):
        if os.geteuid() == 0:
            subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, stdout=subprocess.DEVNULL)
        else:
            raise SystemExit("wrk is needed: apt-get install wrk")
    esign = bench_sign.build_release(log)
    work = tempfile.mkdtemp(prefix="esign-bench-tsa-", dir=os.environ.get("TMPDIR", "/var/tmp"))
    atexit.register(shutil.rmtree, work, ignore_errors=True)  # what the run wrote, gone when it ends
    pki = os.path.join(work, "pki")
    subprocess.run([esign, "pki", "demo", "--dir", pki], check=True, stdout=subprocess.DEVNULL)
    data = os.path.join(work, "data.txt")
    open(data, "w").write("benchmark\n")
    query = os.path.join(work, "q.tsq")
    subprocess.run(["openssl", "ts", "-query", "-data", data, "-sha256", "-cert", "-out", query], check=True, stderr=subprocess.DEVNULL)
    lua = os.path.join(work, "post.lua")
    open(lua, "w").write('local f = io.open("%s", "rb")\nwrk.method = "POST"\nwrk.body = f:read("*all")\nf:close()\n'
                         'wrk.headers["Content-Type"] = "application/timestamp-query"\n' % query)
    db = os.path.join(work, "audit.jsonl")
    port = free_port()
    server = start(esign, pki, db, port)
    log("loading the TSA for %d s with %d connections…" % (args.seconds, args.connections))
    out = subprocess.run(["wrk", "-t1", "-c%d" % args.connections, "-d%ds" % args.seconds, "--latency", "-s", lua,
                          "http://127.0.0.1:%d/" % port], capture_output=True, text=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    pct = {p: m for p, m in re.findall(r"\s(50|75|90|99)%\s+([\d.]+\w+)", out)}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    server.send_signal(signal.SIGTERM)
    graceful = server.wait(timeout=30)
    # Restart on the same state and get one more token.
    server = start(esign, pki, db, port)
    subprocess.run(["curl", "-s", "-o", os.path.join(work, "after.tsr"), "-H", "Content-Type: application/timestamp-query",
                    "--data-binary", "@" + query, "http://127.0.0.1:%d/" % port], check=True)
    server.send_signal(signal.SIGTERM); server.wait(timeout=30)
    serials = [json.loads(line).get("serial") for line in open(db)]
    granted = [s for s in serials if s is not None]
    duplicates = len(granted) - len(set(granted))
    restart_ok = granted[-1] > max(granted[:-1])
    result = {"replies_per_s": round(rate), "latency": pct, "non_2xx": int(errors.group(1)) if errors else 0,
              "replies_checked": len(granted), "duplicate_serials": duplicates, "serial_after_restart_is_new": restart_ok,
              "graceful_exit_status": graceful, "targets": {"replies_per_s": 10000, "p99_ms_at_most": 10}}
    if args.json:
        print(json.dumps(result, indent=2)); return
    print("\nreplies/s %d, latency p50 %s, p90 %s, p99 %s; %d replies checked, %d duplicate serials; "
          "serial after restart new: %s; graceful stop exit %d" % (rate, pct.get("50"), pct.get("90"), pct.get("99"),
                                                                      len(granted), duplicates, restart_ok, graceful))


def shutil_which(name):
    from shutil import which
    return which(name)


if __name__ == "__main__":
    main()
