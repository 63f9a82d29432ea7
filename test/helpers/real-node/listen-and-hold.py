# The far end of the real-node tests' connections: listens on each [family, address, port] of argv[1]
# (port 0: any free one), accepts every connection and holds it open until killed. Prints one JSON line
# with the ports once it listens.
import ctypes
import json
import selectors
import signal
import socket
import sys

ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG: dies with the test runner

selector = selectors.DefaultSelector()
ports = []
for family, address, port in json.loads(sys.argv[1]):
    s = socket.socket(socket.AF_INET6 if family == 6 else socket.AF_INET, socket.SOCK_STREAM)
    if family == 6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((address, port))
    s.listen(512)
    selector.register(s, selectors.EVENT_READ, "listener")
    ports.append(s.getsockname()[1])
print(json.dumps({"listening": ports}), flush=True)

held = []
while True:
    for key, _ in selector.select():
        if key.data == "listener":
            connection, _ = key.fileobj.accept()
            held.append(connection)
            selector.register(connection, selectors.EVENT_READ, "connection")
        elif key.fileobj.recv(4096) == b"":
            selector.unregister(key.fileobj)
            key.fileobj.close()
