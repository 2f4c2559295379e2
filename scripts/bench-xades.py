#!/usr/bin/env python3
"""XAdES benchmark: esign against signxml in-process, in one run, on the same XML documents of
about 100 KB (a record file of a commune's people's committee, in Vietnamese) and the same
RSA-2048 key.

  - esign batch signing: `esign sign FILE... --out-dir`, one process, every core (enveloped
    XAdES B-B, exclusive C14N, RSA PKCS#1 v1.5 with SHA-256), docs/s
  - esign batch verification: `esign verify FOLDER --trust ROOT --offline` (references, the
    signature value, the signed properties, the chain), docs/s
  - signxml's XAdESSigner and XAdESVerifier (which also checks the chain and the
    signing-certificate digest) in one Python process, on the same documents, docs/s
  - the floor of any libxml2-based verifier: lxml parsing and canonicalising each document, in C,
    on every core (one core's rate times the cores), docs/s
  - the ratios, round by round: the machine's speed drifts within minutes, so each ratio
    compares runs made at the same moment: signxml signs just before esign signs, and verifies
    just before and just after esign's verification runs (each side's rate over all its runs).

Builds esign in release mode with a static Swift runtime (as bench-sign.py does). Not a test:
figures depend on the machine; the README records them with the CPU they were measured on.
"""
import argparse, atexit, json, os, platform, shutil, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from importlib import import_module
bench_sign = import_module("bench-sign")  # the same release build


def make_document(number, size):
    """An XML record file of about `size` bytes, its number making each document different."""
    head = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<HoSo xmlns="urn:vn:gov:hoso" xmlns:vb="urn:vn:gov:vanban" Ma="H25.44-2026-%05d">\n' % number)
    parts = [head]
    length = len(head.encode())
    i = 0
    while length < size:
        record = ('  <vb:VanBan So="%d/QĐ-UBND" Ngay="2026-11-%02d">\n'
                  '    <vb:TrichYeu>Về việc phê duyệt kế hoạch chuyển đổi số số %d của Ủy ban nhân dân xã Tân Tiến</vb:TrichYeu>\n'
                  '    <vb:NoiDung>Điều %d. Giao các phòng, ban chuyên môn tổ chức thực hiện &amp; báo cáo kết quả.</vb:NoiDung>\n'
                  '  </vb:VanBan>\n') % (i + 1, i % 28 + 1, number * 1000 + i, i + 1)
        parts.append(record)
        length += len(record.encode())
        i += 1
    parts.append("</HoSo>\n")
    return "".join(parts).encode()


SIGNXML = r'''
import glob, json, sys, time
from lxml import etree
from signxml import SignatureMethod
from signxml.xades import XAdESSigner, XAdESVerifier
mode, key_path, cert_path, chain_path, password_path, root_path, folder, signed_folder, n = sys.argv[1:10]
n = int(n)
key = open(key_path, "rb").read()
password = open(password_path, "rb").read().strip()
chain = [open(cert_path).read()] + ["-----BEGIN CERTIFICATE-----" + part
                                    for part in open(chain_path).read().split("-----BEGIN CERTIFICATE-----")[1:]]
inputs = sorted(glob.glob(folder + "/*.xml"))[:n]
documents = [open(p, "rb").read() for p in inputs]
signed = sorted(glob.glob(signed_folder + "/*.xml"))[:n]
signed_documents = [open(p, "rb").read() for p in signed]

def sign(data):
    root = etree.fromstring(data)
    out = XAdESSigner(signature_algorithm=SignatureMethod.RSA_SHA256).sign(root, key=key, passphrase=password, cert=chain)
    return etree.tostring(out)

def verify(data):
    XAdESVerifier().verify(data, ca_pem_file=root_path, expect_references=2)

if mode == "sign":
    sign(documents[0])  # warm up
    t = time.perf_counter()
    for d in documents:
        sign(d)
    print(json.dumps({"seconds": time.perf_counter() - t, "documents": len(documents)}))
else:
    verify(signed_documents[0])
    t = time.perf_counter()
    for d in signed_documents:
        verify(d)
    seconds = time.perf_counter() - t
    # The floor any libxml2-based verifier stands on: parsing each document and canonicalising it
    # (exclusive C14N), in C, nothing else.
    t = time.perf_counter()
    for d in signed_documents:
        etree.tostring(etree.fromstring(d), method="c14n", exclusive=True)
    floor = len(signed_documents) / (time.perf_counter() - t)
    print(json.dumps({"seconds": seconds, "documents": len(signed_documents), "parse_c14n": floor}))
'''


def cpu_name():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=1000, help="documents per esign run")
    ap.add_argument("--size", type=int, default=100 * 1024, help="bytes per document")
    ap.add_argument("--peer-docs", type=int, default=60,
                    help="documents per signxml run (it is slow; fewer made its rate, and so the ratios, swing by a quarter)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--verify-runs", type=int, default=3,
                    help="esign verification runs per round, between signxml's two (one run takes a fifth of a "
                         "second, short enough for the machine's jitter to move it by a quarter)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    log = (lambda *a: print(*a, file=sys.stderr)) if args.json else print
    esign = bench_sign.build_release(log)
    work = tempfile.mkdtemp(prefix="esign-bench-xades-", dir=os.environ.get("TMPDIR", "/var/tmp"))
    atexit.register(shutil.rmtree, work, ignore_errors=True)  # what the run wrote, gone when it ends
    pki = os.path.join(work, "pki")
    subprocess.run([esign, "pki", "demo", "--dir", pki], check=True, stdout=subprocess.DEVNULL)
    root = os.path.join(pki, "root.pem")
    p12 = os.path.join(pki, "province-official.p12")
    password = os.path.join(pki, "password.txt")
    folder = os.path.join(work, "documents")
    os.makedirs(folder)
    log("writing %d XML documents of %d KB…" % (args.docs, args.size // 1024))
    paths = []
    for i in range(args.docs):
        path = os.path.join(folder, "hoso-%05d.xml" % i)
        with open(path, "wb") as f:
            f.write(make_document(i, args.size))
        paths.append(path)
    sizes = [os.path.getsize(p) for p in paths[:10]]
    sign_rates, verify_rates, peer_sign, peer_verify, floors = [], [], [], [], []
    def signxml(mode, signed_folder):
        """signxml signing or verifying in one Python process: (seconds, documents, its output)."""
        run = subprocess.run(
            [sys.executable, "-c", SIGNXML, mode, os.path.join(pki, "province-official.key.pem"),
             os.path.join(pki, "province-official.pem"), os.path.join(pki, "chain.pem"), password, root, folder,
             signed_folder, str(args.peer_docs)], capture_output=True, text=True)
        if run.returncode != 0:
            raise SystemExit("signxml failed: " + run.stderr[-800:])
        result = json.loads(run.stdout)
        return result["seconds"], result["documents"], result

    for round_ in range(args.rounds):
        log("round %d…" % (round_ + 1))
        out = os.path.join(work, "signed-%d" % round_)
        seconds, count, _ = signxml("sign", out)
        peer_sign.append(count / seconds)
        t = time.perf_counter()
        run = subprocess.run([esign, "sign", *paths, "--out-dir", out, "--p12", p12, "--password-file", password],
                             capture_output=True, text=True)
        elapsed = time.perf_counter() - t
        if run.returncode != 0:
            raise SystemExit("esign sign failed: " + run.stderr[-500:])
        sign_rates.append(args.docs / elapsed)
        # The 100 MB just written goes to the disk now, not in the middle of a later measurement
        # (the kernel writes dirty pages back after 30 s, on the cores both tools run on).
        os.sync()
        before, count, result = signxml("verify", out)
        floors.append(result["parse_c14n"] * (os.cpu_count() or 1))
        elapsed = 0.0
        for _ in range(args.verify_runs):
            t = time.perf_counter()
            run = subprocess.run([esign, "verify", out, "--trust", root, "--offline", "--json"], capture_output=True,
                                 text=True)
            elapsed += time.perf_counter() - t
            if run.returncode != 0 or run.stdout.count('"indication":"TOTAL-PASSED"') < args.docs:
                raise SystemExit("esign verify did not pass every document: " + (run.stderr or run.stdout)[-500:])
        verify_rates.append(args.verify_runs * args.docs / elapsed)
        after, _, _ = signxml("verify", out)
        peer_verify.append(2 * count / (before + after))
    ratio = lambda mine, theirs: [round(a / b, 1) for a, b in zip(mine, theirs)]
    result = {
        "cpu": cpu_name(), "cores": os.cpu_count(), "documents": args.docs,
        "document_bytes": round(statistics.mean(sizes)),
        "esign_sign_docs_per_s": round(statistics.median(sign_rates)),
        "esign_sign_runs": [round(r) for r in sign_rates],
        "esign_verify_docs_per_s": round(statistics.median(verify_rates)),
        "esign_verify_runs": [round(r) for r in verify_rates],
        "signxml_sign_docs_per_s": round(statistics.median(peer_sign), 1),
        "signxml_verify_docs_per_s": round(statistics.median(peer_verify), 1),
        "sign_ratio": statistics.median(ratio(sign_rates, peer_sign)),
        "sign_ratio_runs": ratio(sign_rates, peer_sign),
        "verify_ratio": statistics.median(ratio(verify_rates, peer_verify)),
        "verify_ratio_runs": ratio(verify_rates, peer_verify),
        "libxml2_parse_c14n_limit_docs_per_s": round(statistics.median(floors)),
        "target_ratio": 50,
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print()
    print("CPU: %s, %d cores; %d documents of %d bytes" % (result["cpu"], result["cores"], args.docs,
                                                             result["document_bytes"]))
    print("%-8s %16s %16s %10s %s" % ("", "esign", "signxml", "ratio", "(rounds)"))
    print("%-8s %9d docs/s %9.1f docs/s %9.1f× %s" % ("sign", result["esign_sign_docs_per_s"],
                                                      result["signxml_sign_docs_per_s"], result["sign_ratio"],
                                                      result["sign_ratio_runs"]))
    print("%-8s %9d docs/s %9.1f docs/s %9.1f× %s" % ("verify", result["esign_verify_docs_per_s"],
                                                      result["signxml_verify_docs_per_s"], result["verify_ratio"],
                                                      result["verify_ratio_runs"]))
    print("libxml2's limit (parse + exclusive C14N of each document, every core, nothing else): %d docs/s"
          % result["libxml2_parse_c14n_limit_docs_per_s"])


if __name__ == "__main__":
    main()
