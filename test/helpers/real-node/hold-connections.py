# A pod's application in the real-node tests: opens TCP connections and holds them ESTABLISHED until it
# is killed. argv[1] is a JSON list of [family, host, port, count]; family 6 means an AF_INET6 socket,
# which also reaches an IPv4 peer written ::ffff:a.b.c.d (a dual-stack socket, IPV6_V6ONLY off: Java's and
# .NET's default). Prints one JSON line once every connection is up.
import ctypes
import json
import os
import signal
import socket
import sys

ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG: dies with its shim

held = []
for family, host, port, count in json.loads(sys.argv[1]):
    for _ in range(count):
        if family == 6:
            s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        else:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(5)
        try:
            s.connect((host, port))
        except OSError as error:
            sys.exit(f"hold-connections: connect to {host} port {port}: {error}")
        held.append(s)
print(json.dumps({"connected": os.getpid(), "sockets": len(held)}), flush=True)
while True:
    signal.pause()
