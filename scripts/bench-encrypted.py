#!/usr/bin/env python3
"""Verification of encrypted documents: a 1 MB PDF signed by esign, once plain and once protected
with AES-256 (qpdf --encrypt, revision 6; owner password only, as published decisions are, and
with a user password). Two figures, each in alternating rounds so that every ratio compares runs
made at the same moment:

- one document: `esign verify DOC` as a clerk runs it, median wall time of --runs alternating
  runs. The target: an AES-256 document within 1.5× the time of the same document unencrypted.
- a batch: a folder of --docs copies verified in one process on every core. Here revision 6's
  key derivation (algorithm 2.B: some 70 rounds of AES-128-CBC and SHA-2 over kilobytes, twice for
  a user password; made slow on purpose against guessing) costs about as much as reading and
  hashing the megabyte itself, and shows in full.

pyHanko verifying the AES-256 document (in-process, with the password) is printed for scale.

  python3 scripts/bench-encrypted.py [--docs 1000] [--rounds 3] [--runs 40] [--json]
"""
import argparse, atexit, json, os, shutil, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from importlib import import_module
bench_sign = import_module("bench-sign")  # the PDF generator, the release build, hard-linked copies


def environment(password):
    """The environment for esign with `password` (or none) as the document's password."""
    env = dict(os.environ)
    env.pop("ESIGN_PDF_PASSWORD", None)
    if password is not None:
        env["ESIGN_PDF_PASSWORD"] = password
    return env


def esign_rate(esign, folder, trust, docs, password=None):
    env = environment(password)
    t = time.perf_counter()
    out = subprocess.run([esign, "verify", folder, "--trust", trust, "--offline", "--no-trust-store", "--json"],
                         capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t
    assert out.returncode == 0, out.stdout[-300:] + out.stderr[-300:]
    assert out.stdout.count('"TOTAL-PASSED"') >= docs, "not every document passed"
    return docs / wall


def pyhanko_rate(pdf, root, chain, password, n):
    code = r'''
import sys, time
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pyhanko.keys import load_cert_from_pemder, load_certs_from_pemder
root = load_cert_from_pemder(sys.argv[2])
chain = list(load_certs_from_pemder([sys.argv[3]]))
path, password, n = sys.argv[1], sys.argv[4], int(sys.argv[5])
def once():
    with open(path, "rb") as f:
        r = PdfFileReader(f)
        r.decrypt(password)
        vc = ValidationContext(trust_roots=[root], other_certs=chain, allow_fetching=False,
                               revocation_mode="soft-fail")
        status = validate_pdf_signature(r.embedded_signatures[0], vc)
        assert status.intact and status.valid, status
once()
t = time.perf_counter()
for _ in range(n):
    once()
print(n / (time.perf_counter() - t))
'''
    out = subprocess.run([sys.executable, "-c", code, pdf, root, chain, password, str(n)], capture_output=True,
                         text=True)
    if out.returncode != 0:
        raise SystemExit("pyHanko failed: " + out.stderr[-500:])
    return float(out.stdout.strip())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=1000, help="documents per esign run")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--runs", type=int, default=40, help="alternating runs of one `esign verify DOC` each")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    log = (lambda *a: print(*a, file=sys.stderr)) if args.json else print
    esign = bench_sign.build_release(log)
    work = tempfile.mkdtemp(prefix="esign-bench-encrypted-", dir=os.environ.get("TMPDIR", "/var/tmp"))
    atexit.register(shutil.rmtree, work, ignore_errors=True)  # what the run wrote, gone when it ends
    pki = os.path.join(work, "pki")
    subprocess.run([esign, "pki", "demo", "--dir", pki], check=True, stdout=subprocess.DEVNULL)
    root, chain = os.path.join(pki, "root.pem"), os.path.join(pki, "chain.pem")
    key = ["--p12", os.path.join(pki, "province-official.p12"), "--password-file", os.path.join(pki, "password.txt")]
    plain = os.path.join(work, "plain.pdf")
    bench_sign.make_pdf(plain, 1 << 20)
    kinds = {"plain": (plain, None)}
    for label, qpdf_args, password in (("AES-256, owner password", ["", "owner", "256"], None),
                                       ("AES-256, user password", ["mật khẩu", "owner", "256"], "mật khẩu")):
        encrypted = os.path.join(work, "%s.pdf" % label.split(",")[1].split()[0])
        subprocess.run(["qpdf", "--encrypt"] + qpdf_args + ["--", plain, encrypted], check=True)
        kinds[label] = (encrypted, password)
    folders = {}
    for label, (source, password) in kinds.items():
        signed = source + ".signed.pdf"
        env = dict(os.environ, **({"ESIGN_PDF_PASSWORD": password} if password else {}))
        subprocess.run([esign, "sign", source, "-o", signed] + key, check=True, stdout=subprocess.DEVNULL, env=env)
        folder = os.path.join(work, "docs-%d" % len(folders))
        bench_sign.linked_copies(signed, folder, args.docs)
        folders[label] = (folder, password, signed)
    trust = os.path.join(work, "trust.pem")
    with open(trust, "w") as f:
        f.write(open(root).read() + open(chain).read())
    log("one document at a time, %d alternating runs…" % args.runs)
    one = {label: [] for label in folders}
    for _ in range(args.runs):
        for label, (_, password, signed) in folders.items():
            t = time.perf_counter()
            out = subprocess.run([esign, "verify", signed, "--trust", trust, "--offline", "--no-trust-store", "--json"],
                                 capture_output=True, text=True, env=environment(password))
            one[label].append((time.perf_counter() - t) * 1000)
            assert out.returncode == 0 and '"TOTAL-PASSED"' in out.stdout, out.stdout[-300:]
    one_ms = {label: statistics.median(t) for label, t in one.items()}
    rates = {label: [] for label in folders}
    ratios = {label: [] for label in folders if label != "plain"}
    pyhanko = []
    for round_ in range(args.rounds):
        log("round %d…" % (round_ + 1))
        for label, (folder, password, _) in folders.items():
            rates[label].append(esign_rate(esign, folder, trust, args.docs, password))
        for label in ratios:
            # Time per document, encrypted over plain: 1.0 costs nothing, the target is ≤ 1.5.
            ratios[label].append(rates["plain"][-1] / rates[label][-1])
        pyhanko.append(pyhanko_rate(folders["AES-256, owner password"][2], root, chain, "", 20))
    result = {
        "one_document_ms": {label: round(ms, 2) for label, ms in one_ms.items()},
        "one_document_time_ratio_vs_plain": {
            label: round(ms / one_ms["plain"], 3) for label, ms in one_ms.items() if label != "plain"},
        "documents_per_run": args.docs,
        "esign_docs_per_s": {label: round(statistics.median(r)) for label, r in rates.items()},
        "esign_runs": {label: [round(x) for x in r] for label, r in rates.items()},
        "time_ratio_vs_plain": {label: round(statistics.median(r), 3) for label, r in ratios.items()},
        "time_ratio_runs": {label: [round(x, 3) for x in r] for label, r in ratios.items()},
        "pyhanko_aes256_docs_per_s": round(statistics.median(pyhanko), 1),
        "target_time_ratio": 1.5,
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print()
    print("%-26s %14s %22s" % ("one 1 MB document", "esign verify", "time vs plain (target ≤ 1.5)"))
    for label, ms in result["one_document_ms"].items():
        ratio = result["one_document_time_ratio_vs_plain"].get(label)
        print("%-26s %11.2f ms %22s" % (label, ms, "" if ratio is None else "×%.3f" % ratio))
    print()
    print("%-26s %14s %22s" % ("batch of 1 MB documents", "esign verify", "time vs plain"))
    for label, rate in result["esign_docs_per_s"].items():
        ratio = result["time_ratio_vs_plain"].get(label)
        print("%-26s %9d docs/s %22s" % (label, rate, "" if ratio is None else "×%.3f %s" % (
            ratio, result["time_ratio_runs"][label])))
    print("%-26s %9.1f docs/s" % ("pyHanko, AES-256", result["pyhanko_aes256_docs_per_s"]))


if __name__ == "__main__":
    main()
