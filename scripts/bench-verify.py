#!/usr/bin/env python3
"""Verification benchmark: esign verify (one process, every core) against pyHanko in-process,
on the same signed documents: a 1 MB PDF and a 15 KB PDF, each signed by esign with RSA-2048.

Both validate integrity, coverage and trust against the same root (revocation is off for both:
the demo certificates publish none). Prints a table (or --json) with docs/s and the ratio.
"""
import argparse, json, os, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from importlib import import_module
bench_sign = import_module("bench-sign")  # the same PDF generator and build as the signing benchmark


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


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=2000, help="documents per esign run")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    log = (lambda *a: print(*a, file=sys.stderr)) if args.json else print
    esign = bench_sign.build_release(log)
    work = tempfile.mkdtemp(prefix="esign-bench-verify-", dir=os.environ.get("TMPDIR", "/var/tmp"))
    pki = os.path.join(work, "pki")
    subprocess.run([esign, "pki", "demo", "--dir", pki], check=True, stdout=subprocess.DEVNULL)
    root = os.path.join(pki, "root.pem")
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
        rates = []
        for _ in range(3):
            t = time.perf_counter()
            out = subprocess.run([esign, "verify", folder, "--trust", root, "--offline", "--json"], capture_output=True, text=True)
            rates.append(args.docs / (time.perf_counter() - t))
            assert out.returncode == 0, out.stderr[-300:]
            assert out.stdout.count('"TOTAL-PASSED"') >= args.docs, "not every document passed"
        log("pyHanko on the %s document…" % label)
        ph = pyhanko_rate(signed, root, 60 if size > 100000 else 100)
        results[label] = {"esign_docs_per_s": round(statistics.median(rates)), "esign_runs": [round(r) for r in rates],
                          "pyhanko_docs_per_s": round(ph, 1), "ratio": round(statistics.median(rates) / ph, 1)}
    result = {"documents_per_run": args.docs, "results": results, "target_ratio": 30}
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print()
    print("%-10s %16s %18s %8s" % ("document", "esign verify", "pyHanko", "ratio"))
    for label, r in results.items():
        print("%-10s %11d docs/s %13.1f docs/s %7.1f×" % (label, r["esign_docs_per_s"], r["pyhanko_docs_per_s"], r["ratio"]))


if __name__ == "__main__":
    main()
