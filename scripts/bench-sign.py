#!/usr/bin/env python3
"""Signing benchmark: esign against its peers, in one run, on the same 1 MB PDF and RSA-2048 key.

Prints a table (or --json) with:
  - esign batch throughput (docs/s): `esign sign FILE... --out-dir`, one process, every core, with
    PKCS#1 v1.5 and with --rsa-pss (RSASSA-PSS) in the same run
  - one `esign sign` per process (wall ms, median)
  - pyHanko in-process batch (docs/s)
  - `openssl cms -sign` per process (wall ms, median)
  - the OpenSSL limit: `openssl speed` RSA-2048 sign + SHA-256 over 1 MB, on every core (docs/s)
  - peak memory (max RSS) of `esign sign` on a 200 MB PDF
  - with SoftHSM2 installed: the same batch signed with the same RSA-2048 key on a SoftHSM token
    (`--pkcs11`), in runs interleaved with the PKCS#12 runs, beside SoftHSM's own signing rate for
    that key measured through python-pkcs11 (the token's cost is the floor)
and the ratios. Builds esign in release mode with a static Swift runtime (--static-swift-stdlib).
Not a test: figures depend on the machine; the README records them.
"""
import argparse, json, os, re, shutil, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def make_pdf(path, payload_bytes):
    """A one-page PDF whose image stream holds `payload_bytes` of incompressible data (written in chunks)."""
    side = int(payload_bytes ** 0.5)
    size = side * side
    with open(path, "wb") as f:
        out = [b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"]
        offsets, pos = [], len(out[0])
        f.write(out[0])
        def obj(body_parts):
            nonlocal pos
            offsets.append(pos)
            head = b"%d 0 obj\n" % len(offsets)
            f.write(head); pos += len(head)
            for part in body_parts:
                if isinstance(part, int):  # random data of this length
                    left = part
                    while left:
                        n = min(left, 1 << 20); f.write(os.urandom(n)); left -= n
                    pos += part
                else:
                    f.write(part); pos += len(part)
            tail = b"\nendobj\n"; f.write(tail); pos += len(tail)
        obj([b"<< /Type /Catalog /Pages 2 0 R >>"])
        obj([b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"])
        obj([b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im1 4 0 R >> >> /Contents 5 0 R >>"])
        obj([b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Length %d >>\nstream\n" % (side, side, size), size, b"\nendstream"])
        content = b"q 500 0 0 500 50 300 cm /Im1 Do Q"
        obj([b"<< /Length %d >>\nstream\n" % len(content), content, b"\nendstream"])
        xref = pos
        f.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1))
        for o in offsets:
            f.write(b"%010d 00000 n \n" % o)
        f.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(offsets) + 1, xref))


def free_port():
    """A TCP port on loopback that nothing listens on now (for the servers a benchmark starts)."""
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def build_release(log):
    """Builds esign in release mode with a static Swift runtime (as shipped) and returns its path."""
    log("building esign (release, static Swift runtime)…")
    subprocess.run(["swift", "build", "-c", "release", "--static-swift-stdlib", "--scratch-path", ".build-release"],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return os.path.join(ROOT, ".build-release", "release", "esign")


def median_ms(commands, runs):
    """Median wall time of each command, run alternately so that both see the same machine load."""
    times = [[] for _ in commands]
    for _ in range(runs):
        for i, cmd in enumerate(commands):
            t = time.perf_counter()
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times[i].append((time.perf_counter() - t) * 1000)
    return [statistics.median(t) for t in times]


def max_rss_kib(cmd):
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    if status != 0:
        raise SystemExit("command failed: %s\n%s" % (" ".join(cmd), p.stderr.read().decode()))
    return usage.ru_maxrss


def linked_copies(source, folder, count):
    """`count` names for `source` in `folder` (hard links: the same bytes, no disk written), made
    once and kept when the folder is reused."""
    os.makedirs(folder, exist_ok=True)
    names = []
    for i in range(count):
        name = os.path.join(folder, "doc%05d.pdf" % i)
        if not os.path.exists(name):
            os.link(source, name)
        names.append(name)
    return names


def copy_files(names, out, workers):
    """A reference: only copying the same files the way `cp` does (copy_file_range through the page
    cache, `workers` threads), no signing. esign writes whole blocks with O_DIRECT instead."""
    import concurrent.futures
    os.makedirs(out)
    def one(name):
        src = os.open(name, os.O_RDONLY)
        dst = os.open(os.path.join(out, os.path.basename(name)), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        size = os.fstat(src).st_size
        while size > 0:
            size -= os.copy_file_range(src, dst, size)
        os.close(src); os.close(dst)
    t = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, names))
    return len(names) / (time.perf_counter() - t)


def openssl_limit(cores):
    out = subprocess.run(["openssl", "speed", "-seconds", "3", "-mr", "rsa2048", "sha256"],
                         capture_output=True, text=True, check=True).stdout
    sign_per_s = None
    sha_bytes_per_s = None
    for line in out.splitlines():
        if line.startswith("+F2:"):  # +F2:id:bits:signs_per_s:verifies_per_s
            sign_per_s = float(line.split(":")[3])
        if line.startswith("+F:") and "sha256" in line:  # +F:id:name:bytes/s per block size
            sha_bytes_per_s = float(line.split(":")[-1])  # the largest block size (16384)
    per_doc = 1.0 / sign_per_s + (1 << 20) / sha_bytes_per_s
    return cores / per_doc, sign_per_s, sha_bytes_per_s


def pyhanko_batch(pdf, p12, password, n):
    code = r'''
import io, sys, time
from pyhanko.sign import signers
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
data = open(sys.argv[1], "rb").read()
signer = signers.SimpleSigner.load_pkcs12(sys.argv[2], passphrase=sys.argv[3].encode())
n = int(sys.argv[4])
meta = signers.PdfSignatureMetadata(field_name="Sig1")
signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(data)), meta, signer=signer)  # warm up
t = time.perf_counter()
for _ in range(n):
    out = signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(data)), meta, signer=signer)
print(n / (time.perf_counter() - t))
'''
    # The password goes through the environment of a private interpreter, never the process list.
    env = dict(os.environ, ESIGN_BENCH_PASSWORD=password)
    code = code.replace("sys.argv[3].encode()", "__import__('os').environ['ESIGN_BENCH_PASSWORD'].encode()")
    out = subprocess.run([sys.executable, "-c", code, pdf, p12, "-", str(n)], capture_output=True, text=True, env=env)
    if out.returncode != 0:
        return None, out.stderr.strip().splitlines()[-1] if out.stderr else "pyhanko failed"
    return float(out.stdout.strip()), None


def softhsm_tokens(pki, work, log):
    """The demo identities in SoftHSM tokens (scripts/softhsm-demo.sh); (env, URI, module, PIN) or None."""
    out = os.path.join(work, "softhsm")
    shutil.rmtree(out, ignore_errors=True)
    try:
        done = subprocess.run(["bash", os.path.join(ROOT, "scripts", "softhsm-demo.sh"), pki, out],
                              check=True, capture_output=True, text=True)
    except (subprocess.CalledProcessError, FileNotFoundError) as e:
        log("no SoftHSM: %s" % getattr(e, "stderr", e))
        return None
    module = done.stdout.strip().splitlines()[-1]
    env = dict(os.environ, SOFTHSM2_CONF=os.path.join(out, "softhsm2.conf"))
    uri = "pkcs11:token=Chu%%20tich%%20UBND%%20tinh;object=province-official?module-path=%s" % module
    return env, uri, module, os.path.join(out, "pin.txt")


def softhsm_raw_rate(env, module, pinfile, seconds=3.0):
    """SoftHSM's own RSA-2048 signing rate for the token key (CKM_RSA_PKCS over a SHA-256 DigestInfo,
    what esign asks of it), through python-pkcs11 in one thread: the floor under token signing."""
    code = r"""
import os, sys, time, pkcs11
from pkcs11 import Mechanism, ObjectClass
lib = pkcs11.lib(sys.argv[1])
token = lib.get_token(token_label="Chu tich UBND tinh")
pin = open(sys.argv[2]).readline().strip()
info = bytes.fromhex("3031300d060960864801650304020105000420") + os.urandom(32)
with token.open(user_pin=pin) as session:
    key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, label="province-official")
    n, t = 0, time.perf_counter()
    while time.perf_counter() - t < float(sys.argv[3]):
        key.sign(info, mechanism=Mechanism.RSA_PKCS); n += 1
    print(n / (time.perf_counter() - t))
"""
    try:
        done = subprocess.run([sys.executable, "-c", code, module, pinfile, str(seconds)], env=env,
                              check=True, capture_output=True, text=True)
        return float(done.stdout.strip()), None
    except subprocess.CalledProcessError as e:
        return None, (e.stderr.strip().splitlines() or ["python-pkcs11 failed"])[-1]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=1000, help="documents per batch run (default 1000)")
    ap.add_argument("--runs", type=int, default=3, help="batch runs; the median is reported")
    ap.add_argument("--big-mb", type=int, default=200, help="size of the large PDF for the memory figure")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--no-pkcs11", action="store_true", help="skip the SoftHSM token runs")
    ap.add_argument("--workdir", default=None, help="where to write (default: a temporary folder on this disk)")
    args = ap.parse_args()

    log = (lambda *a: print(*a, file=sys.stderr)) if args.json else print
    esign = build_release(log)
    work = args.workdir or tempfile.mkdtemp(prefix="esign-bench-", dir=os.environ.get("TMPDIR", "/var/tmp"))
    os.makedirs(work, exist_ok=True)
    cores = os.cpu_count()
    pdf = os.path.join(work, "1mb.pdf")
    make_pdf(pdf, 1 << 20)
    pki = os.path.join(work, "pki")
    subprocess.run([esign, "pki", "demo", "--dir", pki, "--force"], check=True, stdout=subprocess.DEVNULL)
    p12 = os.path.join(pki, "province-official.p12")
    passfile = os.path.join(pki, "password.txt")
    password = open(passfile).read().strip()

    log("esign batch: %d runs of %d documents…" % (args.runs, args.docs))
    inputs = os.path.join(work, "in")
    names = linked_copies(pdf, inputs, args.docs)
    token = None if args.no_pkcs11 else softhsm_tokens(pki, work, log)
    rates, copies, token_rates, pss_rates = [], [], [], []
    for run in range(args.runs):
        out = os.path.join(work, "out-%d-%d" % (os.getpid(), run))
        # Start each run with no dirty pages, so that one run's writeback does not throttle the next.
        subprocess.run(["sync"])
        time.sleep(1)
        t = time.perf_counter()
        subprocess.run([esign, "sign", *names, "--out-dir", out, "--p12", p12, "--password-file", passfile],
                       check=True, stdout=subprocess.DEVNULL)
        rates.append(args.docs / (time.perf_counter() - t))
        # The same batch with RSASSA-PSS (Vietnam's requirements), in the same run.
        subprocess.run(["sync"])
        time.sleep(1)
        t = time.perf_counter()
        subprocess.run([esign, "sign", *names, "--out-dir", out + "-pss", "--rsa-pss", "--p12", p12,
                        "--password-file", passfile], check=True, stdout=subprocess.DEVNULL)
        pss_rates.append(args.docs / (time.perf_counter() - t))
        subprocess.run(["sync"])
        time.sleep(1)
        copies.append(copy_files(names, out + "-copy", cores))
        if token:
            env, uri, _, pinfile = token
            subprocess.run(["sync"])
            time.sleep(1)
            t = time.perf_counter()
            subprocess.run([esign, "sign", *names, "--out-dir", out + "-token", "--pkcs11", uri, "--pin-file", pinfile],
                           check=True, stdout=subprocess.DEVNULL, env=env)
            token_rates.append(args.docs / (time.perf_counter() - t))
    batch = statistics.median(rates)
    pss_batch = statistics.median(pss_rates)
    token_batch = statistics.median(token_rates) if token_rates else None
    token_raw, token_raw_error = softhsm_raw_rate(token[0], token[2], token[3]) if token else (None, None)
    copy_rate = statistics.median(copies)
    for run in range(args.runs):
        for suffix in ("", "-copy", "-token", "-pss"):
            shutil.rmtree(os.path.join(work, "out-%d-%d%s" % (os.getpid(), run, suffix)), ignore_errors=True)

    log("one esign sign per process, alternating with openssl cms -sign per process…")
    single_out = os.path.join(work, "single.pdf")
    single, openssl = median_ms([
        [esign, "sign", pdf, "-o", single_out, "--force", "--p12", p12, "--password-file", passfile],
        ["openssl", "cms", "-sign", "-binary", "-in", pdf, "-signer", os.path.join(pki, "province-official.pem"),
         "-inkey", os.path.join(pki, "province-official.key.pem"), "-passin", "file:" + passfile,
         "-certfile", os.path.join(pki, "chain.pem"), "-outform", "DER", "-out", os.path.join(work, "o.p7s")]], 40)
    log("pyHanko in-process batch…")
    pyhanko, pyhanko_error = pyhanko_batch(pdf, p12, password, 40)
    log("openssl speed (RSA-2048 sign, SHA-256)…")
    limit, rsa_sign_per_s, sha_bytes_per_s = openssl_limit(cores)
    log("peak memory signing a %d MB PDF…" % args.big_mb)
    big = os.path.join(work, "big.pdf")
    make_pdf(big, args.big_mb << 20)
    rss = max_rss_kib([esign, "sign", big, "-o", os.path.join(work, "big.signed.pdf"), "--force", "--p12", p12,
                       "--password-file", passfile])
    os.remove(big)
    os.remove(os.path.join(work, "big.signed.pdf"))

    result = {
        "machine": {"cores": cores, "openssl_rsa2048_sign_per_s": round(rsa_sign_per_s), "openssl_sha256_mb_per_s": round(sha_bytes_per_s / 1e6)},
        "esign_batch_docs_per_s": round(batch), "esign_batch_runs_docs_per_s": [round(r) for r in rates],
        "esign_batch_rsa_pss_docs_per_s": round(pss_batch),
        "esign_batch_rsa_pss_runs_docs_per_s": [round(r) for r in pss_rates],
        "copy_only_files_per_s": round(copy_rate), "copy_only_runs_files_per_s": [round(r) for r in copies],
        "esign_single_process_ms": round(single, 1),
        "pyhanko_in_process_docs_per_s": round(pyhanko, 1) if pyhanko else None,
        "openssl_cms_single_process_ms": round(openssl, 1),
        "openssl_limit_docs_per_s": round(limit),
        "esign_peak_rss_mib_signing_%dmb" % args.big_mb: round(rss / 1024, 1),
        "ratios": {
            "esign_batch_vs_pyhanko": round(batch / pyhanko, 1) if pyhanko else None,
            "esign_batch_rsa_pss_vs_pkcs1_v1_5": round(pss_batch / batch, 2),
            "esign_batch_vs_openssl_limit": round(batch / limit, 2),
            "esign_batch_vs_copy_only": round(batch / copy_rate, 2),
            "esign_single_vs_openssl_cms": round(single / openssl, 2),
        },
        "targets": {"batch_docs_per_s": 1200, "rsa_pss_vs_pkcs1_v1_5_at_least": 0.9, "single_vs_openssl_cms_at_most": 2.0, "peak_rss_mib_at_most": 64},
    }
    if pyhanko_error:
        result["pyhanko_error"] = pyhanko_error
    if token_batch:
        result["pkcs11"] = {
            "esign_batch_softhsm_docs_per_s": round(token_batch),
            "esign_batch_softhsm_runs_docs_per_s": [round(r) for r in token_rates],
            "softhsm_raw_sign_per_s_one_thread": round(token_raw) if token_raw else None,
            "softhsm_vs_pkcs12_batch": round(token_batch / batch, 2),
            # A CPU-bound batch that swaps OpenSSL's RSA for SoftHSM's spends the difference on
            # every document: the best token rate SoftHSM allows beside this PKCS#12 rate.
            "softhsm_ceiling_docs_per_s": round(1 / (1 / batch + (1 / token_raw - 1 / rsa_sign_per_s) / cores))
            if token_raw else None,
            "target_softhsm_vs_pkcs12_at_least": 0.8,
        }
        if token_raw_error:
            result["pkcs11"]["raw_rate_error"] = token_raw_error
    if args.json:
        print(json.dumps(result, indent=2))
        return
    rows = [
        ("esign batch (1 process, %d cores)" % cores, "%d docs/s" % batch, "runs: %s" % ", ".join("%d" % r for r in rates)),
        ("esign batch with --rsa-pss", "%d docs/s" % pss_batch,
         "runs: %s; %.0f%% of PKCS#1 v1.5 (target ≥ 90%%)" % (", ".join("%d" % r for r in pss_rates),
                                                           100 * pss_batch / batch)),
        ("pyHanko in-process batch", "%.1f docs/s" % pyhanko if pyhanko else "n/a", "esign ×%.0f" % (batch / pyhanko) if pyhanko else (pyhanko_error or "")),
        ("OpenSSL limit (RSA-2048 + SHA-256 1 MB)", "%d docs/s" % limit, "esign at %.0f%% of it" % (100 * batch / limit)),
        ("buffered copy of the same files (like cp)", "%d files/s" % copy_rate, "runs: %s; esign at %.0f%% of it" % (", ".join("%d" % r for r in copies), 100 * batch / copy_rate)),
        *([("esign batch, key on a SoftHSM token", "%d docs/s" % token_batch,
            "runs: %s; %.0f%% of the PKCS#12 batch (target ≥ 80%%)" % (", ".join("%d" % r for r in token_rates),
                                                                      100 * token_batch / batch)),
           ("SoftHSM's own RSA-2048 signing (python-pkcs11)",
            "%d sig/s" % token_raw if token_raw else "n/a",
            "one thread; %s" % (token_raw_error or "OpenSSL signs at %d/s a core; the token batch can reach at most "
                                "%d docs/s (%.0f%%) beside this PKCS#12 rate" % (
                                    rsa_sign_per_s, 1 / (1 / batch + (1 / token_raw - 1 / rsa_sign_per_s) / cores),
                                    100 / batch / (1 / batch + (1 / token_raw - 1 / rsa_sign_per_s) / cores))))]
          if token_batch else []),
        ("one esign sign per process", "%.1f ms" % single, "×%.2f openssl cms" % (single / openssl)),
        ("openssl cms -sign per process", "%.1f ms" % openssl, ""),
        ("peak memory, %d MB PDF" % args.big_mb, "%.1f MiB" % (rss / 1024), "target ≤ 64 MiB"),
    ]
    width = max(len(r[0]) for r in rows)
    print()
    for name, value, note in rows:
        print("%-*s  %14s  %s" % (width, name, value, note))


if __name__ == "__main__":
    main()
