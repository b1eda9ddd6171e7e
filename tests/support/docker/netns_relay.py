#!/usr/bin/env python3
"""Relays TCP connections made inside a container's network namespace to a port on this host's
loopback, for tests whose containers must reach a server the test runs on the host (the real
Keycloak of the keycloak_server fixture, as the catalog's containers reach keycloak:8080).

    netns_relay.py PID LISTEN_PORT TARGET_PORT

The listening socket is made in the network namespace of process PID (a container the test
started, which carries the network alias its clients use); every connection to it is relayed to
127.0.0.1:TARGET_PORT of the host. Nothing listens on the host itself. Needs CAP_SYS_ADMIN.
Prints "ready" once it listens, then runs until it is killed.
"""

import ctypes
import os
import socket
import sys
import threading

CLONE_NEWNET = 0x40000000


def setns(fd):
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        error = ctypes.get_errno()
        raise OSError(error, "setns: " + os.strerror(error))


def listen_in_namespace_of(pid, port):
    """A socket listening on every address of PID's network namespace; this thread stays in its own."""
    own = os.open("/proc/self/ns/net", os.O_RDONLY)
    theirs = os.open(f"/proc/{pid}/ns/net", os.O_RDONLY)
    try:
        setns(theirs)
        try:
            server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            server.bind(("0.0.0.0", port))
            server.listen(64)
        finally:
            setns(own)
    finally:
        os.close(own)
        os.close(theirs)
    return server


def pump(source, sink):
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for end in (sink, source):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def relay(client, target_port):
    try:
        upstream = socket.create_connection(("127.0.0.1", target_port))
    except OSError:
        client.close()
        return
    threading.Thread(target=pump, args=(upstream, client), daemon=True).start()
    pump(client, upstream)


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    pid, listen_port, target_port = (int(argument) for argument in sys.argv[1:])
    server = listen_in_namespace_of(pid, listen_port)
    print("ready", flush=True)
    while True:
        client, _ = server.accept()
        threading.Thread(target=relay, args=(client, target_port), daemon=True).start()


if __name__ == "__main__":
    main()
