#!/usr/bin/env python3
"""A TLS-terminating proxy on loopback for tests: accepts TLS on PORT with CERT/KEY and forwards
each connection's bytes to 127.0.0.1:TARGET. Usage: tls_proxy.py PORT TARGET CERT KEY"""
import socket
import ssl
import sys
import threading


def pipe(source, target):
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            target.sendall(data)
    except OSError:
        pass
    finally:
        try:
            target.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def serve(client, target_port, context):
    try:
        tls = context.wrap_socket(client, server_side=True)
    except (ssl.SSLError, OSError):
        client.close()
        return
    upstream = socket.create_connection(("127.0.0.1", target_port))
    threading.Thread(target=pipe, args=(upstream, tls), daemon=True).start()
    pipe(tls, upstream)


def main():
    port, target, cert, key = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(64)
    while True:
        client, _ = listener.accept()
        threading.Thread(target=serve, args=(client, target, context), daemon=True).start()


if __name__ == "__main__":
    main()
