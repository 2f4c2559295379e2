#!/usr/bin/env python3
"""Long-term benchmark: extending signed documents to PAdES B-LTA against signing them, in one run.

On the same 1,000 1 MB PDFs and RSA-2048 key (release build, static Swift runtime):
  - esign batch signing, B-B (the reference rate) and B-T (one TSA request per document)
  - `esign ltv extend --level B-LTA` of the B-T documents: the DSS (OCSP answers cached per
    certificate, the root's CRL for the issuing CA), a document timestamp (one TSA request per
    document), the final DSS update
with an `openssl ocsp` responder, the root's CRL over `python3 -m http.server` and `esign tsa serve`,
all on loopback, and the OCSP requests the responder saw. Inputs come from the page cache in both
(the signing inputs are hard links of one file; the signed documents are read once before they are
extended). Not a test: figures depend on the machine.
"""
import argparse, importlib.util, json, os, shutil, socket, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
spec = importlib.util.spec_from_file_location("bench_sign", os.path.join(ROOT, "scripts", "bench-sign.py"))
bench_sign = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench_sign)


def wait_listening(port, seconds=10):
    deadline = time.time() + seconds
    hexport = ":%04X" % port
    while time.time() < deadline:
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            try:
                for line in open(table).read().splitlines()[1:]:
                    fields = line.split()
                    if fields[1].endswith(hexport) and fields[3] == "0A":
                        return
            except OSError:
                pass
        time.sleep(0.05)
    raise SystemExit("nothing listens on port %d" % port)


def index_line(pem, revoked=False):
    out = subprocess.run(["openssl", "x509", "-in", pem, "-noout", "-serial", "-enddate"], capture_output=True,
                         text=True, check=True).stdout
    serial = out.split("serial=")[1].split()[0]
    end = time.strptime(out.split("notAfter=")[1].strip(), "%b %d %H:%M:%S %Y %Z")
    return "V\t%s\t\t%s\tunknown\t/CN=demo" % (time.strftime("%y%m%d%H%M%SZ", end), serial)


def timed(cmd, count, env=None):
    subprocess.run(["sync"])
    time.sleep(1)
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)
    return count / (time.perf_counter() - t)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3, help="runs of each; medians are reported")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    log = (lambda *a: print(*a, file=sys.stderr)) if args.json else print
    esign = bench_sign.build_release(log)
    work = tempfile.mkdtemp(prefix="esign-bench-ltv-", dir=os.environ.get("TMPDIR", "/var/tmp"))
    servers = []
    try:
        ocsp_port, crl_port = bench_sign.free_port(), bench_sign.free_port()
        pki = os.path.join(work, "pki")
        subprocess.run([esign, "pki", "demo", "--dir", pki, "--ocsp-url", "http://127.0.0.1:%d" % ocsp_port,
                        "--ca-crl-url", "http://127.0.0.1:%d/root.crl" % crl_port, "--tsa-days", "3000"],
                       check=True, stdout=subprocess.DEVNULL)
        names = ["province-official", "province-seal", "district-official", "district-seal", "commune-official",
                 "commune-seal", "tsa"]
        with open(os.path.join(work, "index.txt"), "w") as f:
            f.write("".join(index_line(os.path.join(pki, n + ".pem")) + "\n" for n in names))
        with open(os.path.join(work, "index.txt.attr"), "w") as f:
            f.write("unique_subject = no\n")
        ocsp_log = open(os.path.join(work, "ocsp.log"), "w")
        servers.append(subprocess.Popen(
            ["openssl", "ocsp", "-index", os.path.join(work, "index.txt"), "-port", str(ocsp_port), "-rsigner",
             os.path.join(pki, "ocsp.pem"), "-rkey", os.path.join(pki, "ocsp.key.pem"), "-passin",
             "file:" + os.path.join(pki, "password.txt"), "-CA", os.path.join(pki, "issuing-ca.pem"), "-ndays", "30"],
            stdout=ocsp_log, stderr=subprocess.STDOUT))
        servers.append(subprocess.Popen([sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(crl_port)],
                                        cwd=pki, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        tsa_port = bench_sign.free_port()
        servers.append(subprocess.Popen(
            [esign, "tsa", "serve", "--p12", os.path.join(pki, "tsa.p12"), "--password-file",
             os.path.join(pki, "password.txt"), "--port", str(tsa_port), "--log-level", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        for port in (ocsp_port, crl_port, tsa_port):
            wait_listening(port)
        tsa = "http://127.0.0.1:%d/" % tsa_port

        pdf = os.path.join(work, "1mb.pdf")
        bench_sign.make_pdf(pdf, 1 << 20)
        inputs = os.path.join(work, "in")
        docs = bench_sign.linked_copies(pdf, inputs, args.docs)
        identity = ["--p12", os.path.join(pki, "province-official.p12"), "--password-file",
                    os.path.join(pki, "password.txt")]
        bb, bt, lta, requests = [], [], [], []
        for run in range(args.runs):
            log("run %d: sign B-B, sign B-T, extend to B-LTA…" % (run + 1))
            out_bb, out_bt, out_lta = (os.path.join(work, "%s-%d" % (k, run)) for k in ("bb", "bt", "lta"))
            bb.append(timed([esign, "sign", *docs, "--out-dir", out_bb, *identity], args.docs))
            bt.append(timed([esign, "sign", *docs, "--out-dir", out_bt, "--tsa", tsa, *identity], args.docs))
            signed = [os.path.join(out_bt, n) for n in sorted(os.listdir(out_bt))]
            # The signing runs read one file the page cache holds (hard links); the documents to
            # extend are read once first, so that both rates are measured from the page cache.
            for name in signed:
                with open(name, "rb") as f:
                    while f.read(1 << 20):
                        pass
            before = open(os.path.join(work, "ocsp.log")).read().count("Received request")
            lta.append(timed([esign, "ltv", "extend", *signed, "--level", "B-LTA", "--tsa", tsa, "--out-dir", out_lta],
                             args.docs))
            requests.append(open(os.path.join(work, "ocsp.log")).read().count("Received request") - before)
            for d in (out_bb, out_bt, out_lta):
                shutil.rmtree(d, ignore_errors=True)
        result = {
            "cores": os.cpu_count(),
            "docs": args.docs,
            "sign_bb_docs_per_s": round(statistics.median(bb)), "sign_bb_runs": [round(r) for r in bb],
            "sign_bt_docs_per_s": round(statistics.median(bt)), "sign_bt_runs": [round(r) for r in bt],
            "extend_blta_docs_per_s": round(statistics.median(lta)), "extend_blta_runs": [round(r) for r in lta],
            "ocsp_requests_per_extend_run": requests,
            "extend_vs_sign_bb": round(statistics.median(lta) / statistics.median(bb), 2),
            "target_extend_vs_sign_at_least": 0.5,
        }
        if args.json:
            print(json.dumps(result, indent=2))
            return
        print()
        print("%-44s %10s  %s" % ("esign sign, B-B batch", "%d docs/s" % result["sign_bb_docs_per_s"], "runs %s" % bb and ", ".join("%d" % r for r in bb)))
        print("%-44s %10s  %s" % ("esign sign --tsa, B-T batch", "%d docs/s" % result["sign_bt_docs_per_s"], ", ".join("%d" % r for r in bt)))
        print("%-44s %10s  %s" % ("esign ltv extend --level B-LTA", "%d docs/s" % result["extend_blta_docs_per_s"],
                                  "%s; %.0f%% of B-B signing (target ≥ 50%%); OCSP requests per run: %s" % (
                                      ", ".join("%d" % r for r in lta), 100 * result["extend_vs_sign_bb"],
                                      ", ".join(map(str, requests)))))
    finally:
        for server in servers:
            server.kill()
            server.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
