#!/usr/bin/env python3
"""Service benchmark: `esign serve` under wrk on loopback against the command line, in one run.

Measures, on the same 1 MB PDF and RSA-2048 key:
  - the CLI batch: `esign sign FILE... --out-dir` (docs/s), the rate the service is held to
  - POST /v1/sign through the service with wrk at 16 connections: requests/s and p50/p99 latency
    (each signature audited in the database, SQLite, fsynced: the service as deployed)
  - `esign verify DIR` (docs/s) and POST /v1/verify of the signed PDF with wrk at 16 connections
  - peak memory (VmHWM) of the service under a flood of 64 connections each sending a 50 MB body
and the ratios. Builds esign in release mode with a static Swift runtime. wrk runs on the same
cores as the service (2 here), so the service's figures include the load generator's cost.
Not a test: figures depend on the machine; the README records them.
"""
import argparse, importlib.util, json, os, re, shutil, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_sign_bench():
    spec = importlib.util.spec_from_file_location("bench_sign", os.path.join(ROOT, "scripts", "bench-sign.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def service_database(esign, work, scopes):
    """A demo PKI and an SQLite ledger with the sample units and one client of unit 75 with `scopes`;
    returns (pki folder, database path, the client's token)."""
    pki = os.path.join(work, "pki")
    subprocess.run([esign, "pki", "demo", "--dir", pki], check=True, stdout=subprocess.DEVNULL)
    db = os.path.join(work, "ledger.sqlite")
    subprocess.run([esign, "units", "import", os.path.join(ROOT, "samples/units/binh-phuoc-binh-duong-binh-thuan.csv"),
                    "--database", db], check=True, stdout=subprocess.DEVNULL)
    token = subprocess.run([esign, "serve", "clients", "add", "bench", "--units", "75", "--scopes", scopes,
                            "--database", db], check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    return pki, db, token


def wait_listening(port, process, seconds=20):
    import socket
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit("esign serve exited early")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("esign serve did not start listening")


def wrk(url, body_file, content_type, token, connections, seconds, work):
    """Runs wrk posting `body_file`; returns requests/s, p50 and p99 latency (ms) and non-2xx count."""
    script = os.path.join(work, "post.lua")
    with open(script, "w") as f:
        f.write('local f = io.open(%r, "rb")\nwrk.body = f:read("*all")\nf:close()\n' % body_file)
        f.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = %r\n' % content_type)
        f.write('wrk.headers["Authorization"] = "Bearer %s"\n' % token)
    out = subprocess.run(["wrk", "-t2", "-c%d" % connections, "-d%ds" % seconds, "--latency", "--timeout", "10s",
                          "-s", script, url], capture_output=True, text=True, check=True).stdout

    def latency(label):
        m = re.search(r"^\s*%s\s+([\d.]+)(us|ms|s)\s*$" % label, out, re.M)
        if not m:
            return None
        return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {"rps": rps, "p50_ms": latency("50%"), "p99_ms": latency("99%"),
            "non_2xx": int(non2xx.group(1)) if non2xx else 0, "socket_errors": errors.group(1) if errors else None}


def peak_memory_mib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=400, help="documents per CLI batch (default 400)")
    ap.add_argument("--seconds", type=int, default=15, help="seconds per wrk run (default 15)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--esign", help="esign binary (default: build release)")
    args = ap.parse_args()
    log = (lambda *a: None) if args.json else (lambda *a: print(*a, file=sys.stderr))
    for tool in ["wrk", "python3"]:
        if not shutil.which(tool):
            raise SystemExit("%s is missing (apt-get install wrk)" % tool)
    sign_bench = load_sign_bench()
    esign = args.esign or sign_bench.build_release(log)
    work = tempfile.mkdtemp(prefix="esign-bench-serve-", dir=os.environ.get("TMPDIR", "/var/tmp"))
    server = None
    try:
        pki, db, token = service_database(esign, work, "sign,verify,ledger,stats")
        p12 = os.path.join(pki, "province-seal.p12")
        password = os.path.join(pki, "password.txt")
        pdf = os.path.join(work, "doc.pdf")
        sign_bench.make_pdf(pdf, 1 << 20)

        # The CLI batch.
        names = sign_bench.linked_copies(pdf, os.path.join(work, "in"), args.docs)
        out = os.path.join(work, "out")
        log("CLI batch: esign sign %d × 1 MB…" % args.docs)
        t = time.perf_counter()
        subprocess.run([esign, "sign", *names, "--out-dir", out, "--p12", p12, "--password-file", password],
                       check=True, stdout=subprocess.DEVNULL)
        cli_sign = args.docs / (time.perf_counter() - t)
        signed = os.path.join(out, os.path.basename(names[0]))
        log("CLI verify: esign verify on %d signed documents…" % args.docs)
        t = time.perf_counter()
        subprocess.run([esign, "verify", out, "--trust", os.path.join(pki, "root.pem"), "--offline", "--json"],
                       stdout=subprocess.DEVNULL)
        cli_verify = args.docs / (time.perf_counter() - t)

        # The service.
        port = sign_bench.free_port()
        config = os.path.join(work, "esign-server.json")
        with open(config, "w") as f:
            json.dump({"listen": "127.0.0.1:%d" % port, "database": db, "trust": [os.path.join(pki, "root.pem")],
                       "keys": [{"id": "seal", "unit": "75", "p12": p12, "passwordFile": password}],
                       "limits": {"maxBodyBytes": 64 << 20, "maxBufferedBytes": 256 << 20}}, f)
        server = subprocess.Popen([esign, "serve", "--config", config, "--log-level", "error"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_listening(port, server)
        base = "http://127.0.0.1:%d" % port
        log("wrk: POST /v1/sign, 16 connections, %d s…" % args.seconds)
        wrk(base + "/v1/sign?key=seal", pdf, "application/pdf", token, 16, 3, work)  # warm-up
        serve_sign = wrk(base + "/v1/sign?key=seal", pdf, "application/pdf", token, 16, args.seconds, work)
        log("wrk: POST /v1/verify, 16 connections, %d s…" % args.seconds)
        serve_verify = wrk(base + "/v1/verify", signed, "application/pdf", token, 16, args.seconds, work)
        audit = subprocess.run([esign, "serve", "audit", "check", "--database", db, "--json"], capture_output=True,
                               text=True).stdout
        log("flood: 64 connections × 50 MB bodies…")
        flood = subprocess.run(["python3", os.path.join(ROOT, "Tests/Scripts/hostile_clients.py"), str(port), token,
                                "flood", "64", str(50 << 20)], capture_output=True, text=True, check=True).stdout
        peak = peak_memory_mib(server.pid)
        healthy = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", base + "/healthz"],
                                 capture_output=True, text=True).stdout
    finally:
        if server:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)

    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    result = {
        "cpu": cpu, "cores": os.cpu_count(),
        "cli_sign_docs_per_s": round(cli_sign, 1), "serve_sign": serve_sign,
        "sign_ratio": round(serve_sign["rps"] / cli_sign, 3),
        "cli_verify_docs_per_s": round(cli_verify, 1), "serve_verify": serve_verify,
        "verify_ratio": round(serve_verify["rps"] / cli_verify, 3),
        "audit": json.loads(audit) if audit.strip() else None,
        "flood": json.loads(flood), "flood_peak_memory_mib": round(peak, 1), "healthy_after_flood": healthy == "200",
    }
    if args.json:
        print(json.dumps(result))
        return
    print("CPU: %s (%d cores)" % (cpu, os.cpu_count()))
    print("%-34s %12s %10s %10s %8s" % ("", "docs/s", "p50 ms", "p99 ms", "ratio"))
    print("%-34s %12.1f" % ("esign sign (CLI batch, 1 MB)", cli_sign))
    print("%-34s %12.1f %10.1f %10.1f %7.0f%%" % ("POST /v1/sign (16 connections)", serve_sign["rps"],
          serve_sign["p50_ms"], serve_sign["p99_ms"], 100 * result["sign_ratio"]))
    print("%-34s %12.1f" % ("esign verify DIR", cli_verify))
    print("%-34s %12.1f %10.1f %10.1f %7.0f%%" % ("POST /v1/verify (16 connections)", serve_verify["rps"],
          serve_verify["p50_ms"], serve_verify["p99_ms"], 100 * result["verify_ratio"]))
    print("flood 64 × 50 MB: %s; peak memory %.0f MiB; healthy afterwards: %s" % (
        result["flood"]["statuses"], peak, result["healthy_after_flood"]))
    if result["audit"]:
        print("audit chain: %s events, valid %s" % (result["audit"]["entries"], result["audit"]["valid"]))


if __name__ == "__main__":
    main()
