#!/usr/bin/env python3
"""Verification benchmark: esign verify (one process, every core) against pyHanko in-process,
on the same signed documents: a 1 MB PDF and a 15 KB PDF, each signed by esign with RSA-2048.

Both validate integrity, coverage and trust against the same root (revocation is off for both:
the demo certificates publish none). Prints a table (or --json) with docs/s and the ratio.

The CPU time of each esign run over its wall time is printed too (2.0: both cores busy all along).
Two more figures put esign's in context: esign with its multi-buffer SHA-256 turned off
(ESIGN_SHA256_MULTIBUFFER=0: OpenSSL hashes one document at a time), and the most documents a
second that one-message SHA-256 allows on every core (`openssl speed -multi N sha256`, 1 MiB
blocks, divided by the bytes each signature covers). Hashing several documents at once is how
esign goes past that second figure.
"""
import argparse, atexit, json, os, resource, shutil, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from importlib import import_module
bench_sign = import_module("bench-sign")  # the same PDF generator and build as the signing benchmark


def signed_gap(pdf):
    """Bytes of the signature's /Contents gap (what the signature does not cover)."""
    data = open(pdf, "rb").read()
    at = data.rindex(b"/ByteRange")
    numbers = data[data.index(b"[", at) + 1:data.index(b"]", at)].split()
    return int(numbers[2]) - int(numbers[1])


def pyhanko_rate(pdf, root, n):
    code = r'''
import sys, time
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pyhanko.keys import load_cert_from_pemder
root = load_cert_from_pemder(sys.argv[2])
path, n = sys.argv[1], int(sys.argv[3])
def once():
    with open(path, "rb") as f:
        r = PdfFileReader(f)
        vc = ValidationContext(trust_roots=[root], revocation_mode="soft-fail", allow_fetching=False)
        status = validate_pdf_signature(r.embedded_signatures[0], vc)
        assert status.intact and status.valid, status
once()
t = time.perf_counter()
for _ in range(n):
    once()
print(n / (time.perf_counter() - t))
'''
    out = subprocess.run([sys.executable, "-c", code, pdf, root, str(n)], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit("pyHanko failed: " + out.stderr[-500:])
    return float(out.stdout.strip())


def sha256_bytes_per_s():
    """One-message SHA-256 throughput of OpenSSL on every core, in bytes a second."""
    cores = os.cpu_count() or 1
    out = subprocess.run(["openssl", "speed", "-seconds", "2", "-bytes", str(1 << 20), "-multi", str(cores), "sha256"],
                         capture_output=True, text=True, check=True).stdout
    line = [l for l in out.splitlines() if l.startswith("sha256")][-1]
    return float(line.split()[-1].rstrip("k")) * 1000


def esign_run(esign, folder, root, docs, env=None):
    """Documents a second, and CPU time over wall time (2.0 = both cores busy all along)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    out = subprocess.run([esign, "verify", folder, "--trust", root, "--offline", "--json"], capture_output=True, text=True,
                         env=dict(os.environ, **(env or {})))
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    assert out.returncode == 0, out.stderr[-300:]
    assert out.stdout.count('"TOTAL-PASSED"') >= docs, "not every document passed"
    return docs / wall, cpu / wall


def esign_rate(esign, folder, root, docs, env=None):
    return esign_run(esign, folder, root, docs, env)[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=2000, help="documents per esign run")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    log = (lambda *a: print(*a, file=sys.stderr)) if args.json else print
    esign = bench_sign.build_release(log)
    work = tempfile.mkdtemp(prefix="esign-bench-verify-", dir=os.environ.get("TMPDIR", "/var/tmp"))
    atexit.register(shutil.rmtree, work, ignore_errors=True)  # what the run wrote, gone when it ends
    pki = os.path.join(work, "pki")
    subprocess.run([esign, "pki", "demo", "--dir", pki], check=True, stdout=subprocess.DEVNULL)
    root = os.path.join(pki, "root.pem")
    log("openssl speed sha256 on every core…")
    limit = sha256_bytes_per_s()
    results = {}
    for label, size in (("1 MB", 1 << 20), ("15 KB", 15 * 1024)):
        plain = os.path.join(work, "plain-%d.pdf" % size)
        bench_sign.make_pdf(plain, size)
        signed = os.path.join(work, "signed-%d.pdf" % size)
        subprocess.run([esign, "sign", plain, "-o", signed, "--p12", os.path.join(pki, "province-official.p12"),
                        "--password-file", os.path.join(pki, "password.txt")], check=True, stdout=subprocess.DEVNULL)
        folder = os.path.join(work, "docs-%d" % size)
        os.makedirs(folder)
        for i in range(args.docs):
            os.link(signed, os.path.join(folder, "d%05d.pdf" % i))
        # Rounds of esign, esign one hash at a time, and pyHanko, back to back: this machine's speed
        # drifts by a third within minutes, so each ratio compares runs made at the same moment.
        runs, one_at_a_time, pyhanko, ratios = [], [], [], []
        for round_ in range(3):
            log("round %d on the %s document…" % (round_ + 1, label))
            runs.append(esign_run(esign, folder, root, args.docs))
            one_at_a_time.append(esign_rate(esign, folder, root, args.docs, {"ESIGN_SHA256_MULTIBUFFER": "0"}))
            pyhanko.append(pyhanko_rate(signed, root, 40 if size > 100000 else 80))
            ratios.append(runs[-1][0] / pyhanko[-1])
        rates = [r for r, _ in runs]
        busy = [b for _, b in runs]
        covered = os.path.getsize(signed) - signed_gap(signed)
        results[label] = {"esign_docs_per_s": round(statistics.median(rates)), "esign_runs": [round(r) for r in rates],
                          "esign_one_at_a_time_docs_per_s": round(statistics.median(one_at_a_time)),
                          "sha256_limit_docs_per_s": round(limit / covered),
                          "cpu_over_wall": round(statistics.median(busy), 2),
                          "cpu_over_wall_runs": [round(b, 2) for b in busy],
                          "pyhanko_docs_per_s": round(statistics.median(pyhanko), 1),
                          "pyhanko_runs": [round(p, 1) for p in pyhanko],
                          "ratio": round(statistics.median(ratios), 1), "ratio_runs": [round(r, 1) for r in ratios]}
    result = {"documents_per_run": args.docs, "sha256_bytes_per_s_all_cores": round(limit), "results": results, "target_ratio": 30}
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print()
    print("%-10s %16s %9s %18s %8s %20s %22s" % ("document", "esign verify", "CPU/wall", "pyHanko", "ratio",
                                                 "one hash at a time", "openssl speed limit"))
    for label, r in results.items():
        print("%-10s %11d docs/s %9.2f %13.1f docs/s %7.1f× %13d docs/s %15d docs/s" % (
            label, r["esign_docs_per_s"], r["cpu_over_wall"], r["pyhanko_docs_per_s"], r["ratio"],
            r["esign_one_at_a_time_docs_per_s"], r["sha256_limit_docs_per_s"]))


if __name__ == "__main__":
    main()
