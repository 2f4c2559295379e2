#!/usr/bin/env python3
"""Hostile clients against `esign serve`, as a test drives them: each case opens its own
connections on loopback and reports what the server answered (status, seconds). Prints one JSON
object. Usage: hostile_clients.py PORT TOKEN CASE [ARGS...]"""
import json
import socket
import sys
import threading
import time

HOST = "127.0.0.1"


def status_of(sock, limit=30):
    """Reads an HTTP response's status line; None if the connection closed first."""
    sock.settimeout(limit)
    data = b""
    try:
        while b"\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    except (socket.timeout, ConnectionResetError, BrokenPipeError):
        return None
    line = data.split(b"\r\n", 1)[0].split()
    return int(line[1]) if len(line) > 1 and line[1].isdigit() else None


def connect(port):
    return socket.create_connection((HOST, port), timeout=30)


def head(path, token, content_type, extra=""):
    return (f"POST {path} HTTP/1.1\r\nHost: {HOST}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: {content_type}\r\n{extra}\r\n").encode()


def oversized_declared(port, token):
    """A Content-Length far over the limit, and no body: 413 without waiting for it."""
    s = connect(port)
    start = time.time()
    s.sendall(head("/v1/sign?key=dn-seal", token, "application/pdf", "Content-Length: 1000000000\r\n"))
    return {"status": status_of(s), "seconds": time.time() - start}


def oversized_chunked(port, token, total):
    """A chunked body without a length that grows past the limit: the answer (413) comes while the
    client is still sending; reports how much had been sent when it came."""
    s = connect(port)
    s.sendall(head("/v1/sign?key=dn-seal", token, "application/pdf", "Transfer-Encoding: chunked\r\n"))
    chunk = b"%PDF" + b"x" * (64 * 1024 - 4)
    progress = {"sent": 0, "sent_at_answer": None}

    def send():
        try:
            while progress["sent"] < total:
                s.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
                progress["sent"] += len(chunk)
            s.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass

    sender = threading.Thread(target=send)
    sender.start()
    status = status_of(s)
    progress["sent_at_answer"] = progress["sent"]
    sender.join()
    return {"status": status, "sent": progress["sent_at_answer"], "total": progress["sent"]}


def slow_sender(port, token, seconds):
    """Declares 1000 bytes, sends 10, then nothing: 408 after the request timeout."""
    s = connect(port)
    start = time.time()
    s.sendall(head("/v1/sign?key=dn-seal", token, "application/pdf", "Content-Length: 1000\r\n") + b"%PDF-1.7\n%")
    status = status_of(s, limit=seconds)
    return {"status": status, "seconds": time.time() - start}


def flood(port, token, connections, size):
    """`connections` clients at once, each sending a body of `size` bytes."""
    results = []
    lock = threading.Lock()
    body_chunk = b"%PDF-1.7\n" + b"0" * (1 << 20)

    def one():
        try:
            s = connect(port)
            s.sendall(head("/v1/verify", token, "application/pdf", f"Content-Length: {size}\r\n"))
            sent = 0
            while sent < size:
                piece = body_chunk[: min(len(body_chunk), size - sent)]
                s.sendall(piece)
                sent += len(piece)
            status = status_of(s, limit=120)
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            status = "closed"
        with lock:
            results.append(status)

    threads = [threading.Thread(target=one) for _ in range(connections)]
    start = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    counts = {}
    for r in results:
        counts[str(r)] = counts.get(str(r), 0) + 1
    return {"statuses": counts, "seconds": time.time() - start}


def main():
    port, token, case = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    args = [int(a) for a in sys.argv[4:]]
    result = {
        "oversized-declared": lambda: oversized_declared(port, token),
        "oversized-chunked": lambda: oversized_chunked(port, token, *args),
        "slow-sender": lambda: slow_sender(port, token, *args),
        "flood": lambda: flood(port, token, *args),
    }[case]()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
