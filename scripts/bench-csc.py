#!/usr/bin/env python3
"""CSC API benchmark: `signatures/signHash` of `esign serve` with batches of 100 hashes, against the
key's raw signing rate, in one run.

For the PKCS#12 key: `openssl speed -multi CORES rsa2048` (signatures/s on every core) against
signHash (clients on loopback, each authorising 1,000 signatures and sending ten batches of 100).
For the same key on a SoftHSM2 token (when softhsm2 and python-pkcs11 are installed): SoftHSM's own
signing rate through python-pkcs11 (one thread, as bench-sign.py measures it) against signHash with
the token credential. Builds esign in release mode. Not a test: the README records the figures.
"""
import argparse, base64, importlib.util, json, os, re, shutil, subprocess, sys, tempfile, threading, time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load(name):
    spec = importlib.util.spec_from_file_location(name.replace("-", "_"), os.path.join(ROOT, "scripts", name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def post(url, token, body):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers={
        "Content-Type": "application/json", "Authorization": "Bearer " + token})
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read())


def sign_hash_rate(base, token, credential, pin, clients, seconds):
    """Signatures/s of signHash with 100-hash batches from `clients` threads for `seconds`."""
    done = [0]
    lock = threading.Lock()
    deadline = time.time() + seconds
    errors = []

    def worker():
        while time.time() < deadline:
            try:
                sad = post(base + "/csc/v1/credentials/authorize", token,
                           {"credentialID": credential, "numSignatures": 1000, "PIN": pin})["SAD"]
                for _ in range(10):
                    if time.time() >= deadline:
                        return
                    hashes = [base64.b64encode(os.urandom(32)).decode() for _ in range(100)]
                    answer = post(base + "/csc/v1/signatures/signHash", token, {
                        "credentialID": credential, "SAD": sad, "hash": hashes, "hashAlgo": "2.16.840.1.101.3.4.2.1",
                        "signAlgo": "1.2.840.113549.1.1.1"})
                    assert len(answer["signatures"]) == 100
                    with lock:
                        done[0] += 100
            except Exception as e:  # report, do not hide
                errors.append(repr(e))
                return

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    start = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise SystemExit("signHash failed: %s" % errors[:3])
    return done[0] / (time.time() - start)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--esign", help="esign binary (default: build release)")
    args = ap.parse_args()
    log = (lambda *a: None) if args.json else (lambda *a: print(*a, file=sys.stderr))
    sign_bench = load("bench-sign")
    serve_bench = load("bench-serve")
    esign = args.esign or sign_bench.build_release(log)
    cores = os.cpu_count()
    work = tempfile.mkdtemp(prefix="esign-bench-csc-", dir=os.environ.get("TMPDIR", "/var/tmp"))
    server = None
    result = {"cores": cores}
    try:
        pki, db, token = serve_bench.service_database(esign, work, "sign")
        pin = os.path.join(work, "pin.txt")
        with open(pin, "w") as f:
            f.write("246810\n")
        keys = [{"id": "file", "unit": "75", "p12": os.path.join(pki, "province-official.p12"),
                 "passwordFile": os.path.join(pki, "password.txt"), "authorizationPinFile": pin}]
        tokens = sign_bench.softhsm_tokens(pki, work, log)
        env = dict(os.environ)
        if tokens:
            env, uri, module, tokenpin = tokens
            keys.append({"id": "token", "unit": "75", "pkcs11": uri, "pinFile": tokenpin,
                         "chain": os.path.join(pki, "chain.pem"), "authorizationPinFile": pin})
        port = sign_bench.free_port()
        config = os.path.join(work, "esign-server.json")
        with open(config, "w") as f:
            json.dump({"listen": "127.0.0.1:%d" % port, "database": db, "keys": keys}, f)
        server = subprocess.Popen([esign, "serve", "--config", config, "--log-level", "error"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        serve_bench.wait_listening(port, server)
        base = "http://127.0.0.1:%d" % port

        log("openssl speed -multi %d rsa2048…" % cores)
        speed = subprocess.run(["openssl", "speed", "-seconds", "3", "-multi", str(cores), "rsa2048"],
                               capture_output=True, text=True).stdout
        m = re.search(r"rsa\s+2048 bits\s+[\d.]+s\s+[\d.]+s\s+([\d.]+)", speed)
        result["openssl_rsa2048_sign_per_s"] = float(m.group(1)) if m else None
        log("signHash, PKCS#12 key, %d clients…" % args.clients)
        post(base + "/csc/v1/credentials/info", token, {"credentialID": "file"})
        result["signhash_file_per_s"] = round(sign_hash_rate(base, token, "file", "246810", args.clients,
                                                             args.seconds), 1)
        if result["openssl_rsa2048_sign_per_s"]:
            result["file_ratio"] = round(result["signhash_file_per_s"] / result["openssl_rsa2048_sign_per_s"], 3)
        if tokens:
            raw, why = sign_bench.softhsm_raw_rate(env, module, tokenpin)
            result["softhsm_raw_per_s"] = raw
            log("signHash, SoftHSM key, %d clients…" % args.clients)
            result["signhash_token_per_s"] = round(sign_hash_rate(base, token, "token", "246810", args.clients,
                                                                  args.seconds), 1)
            if raw:
                result["token_ratio"] = round(result["signhash_token_per_s"] / raw, 3)
    finally:
        if server:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    result["cpu"] = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    if args.json:
        print(json.dumps(result))
        return
    print("CPU: %s (%d cores)" % (result["cpu"], cores))
    print("openssl speed rsa2048 (all cores): %s signatures/s" % result["openssl_rsa2048_sign_per_s"])
    print("signHash, PKCS#12 key, batches of 100: %s signatures/s (%s)" % (
        result["signhash_file_per_s"], "%.0f%%" % (100 * result["file_ratio"]) if "file_ratio" in result else "?"))
    if "softhsm_raw_per_s" in result:
        print("SoftHSM raw (python-pkcs11, one thread): %s signatures/s" % result["softhsm_raw_per_s"])
        print("signHash, SoftHSM key, batches of 100: %s signatures/s (%s)" % (
            result["signhash_token_per_s"], "%.0f%%" % (100 * result["token_ratio"]) if "token_ratio" in result else "?"))


if __name__ == "__main__":
    main()
