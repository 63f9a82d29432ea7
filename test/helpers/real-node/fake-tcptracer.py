#!/usr/bin/env python
# A stand-in for bcc's tools/tcptracer.py in the debug pod script's test, written for these tests (no bcc
# code). It behaves as tcptracer does where the script depends on it (DESIGN.md section 5):
# - nothing is printed until the BPF program is compiled and attached (here: a second's sleep);
# - then the banner and the -tv header, then one event per line, all with print() and never flushed
#   (the script runs it with `python3 -u`);
# - SIGINT raises KeyboardInterrupt, and `except KeyboardInterrupt: exit()` makes the stop exit 0; a
#   process that started with SIGINT ignored keeps ignoring it (CPython installs its handler only when
#   SIGINT is SIG_DFL at start), so it never stops that way.
# Events: a connect every 50 ms from this process (its real PID and netns), TIME(ns) relative to the first.
import os
import sys
import time

if sys.argv[1:] != ["-tv"]:
    sys.exit(f"fake tcptracer: run as the runbook runs it, with -tv, not {sys.argv[1:]}")
netns = int(os.readlink("/proc/self/ns/net").strip("net:[]"))
time.sleep(1.0)
print("Tracing TCP established connections. Ctrl-C to end.")
print("%-13s %-12s %-6s %-16s %-2s %-16s %-16s %-6s %-6s %-8s"
      % ("TIME(ns)", "TYPE", "PID", "COMM", "IP", "SADDR", "DADDR", "SPORT", "DPORT", "NETNS"))
first = None
sport = 40000
while True:
    try:
        time.sleep(0.05)
        now = time.monotonic_ns()
        first = now if first is None else first
        sport += 1
        print("%-13d %-12s %-6d %-16s %-2d %-16s %-16s %-6d %-6d %-8d"
              % (now - first, "connect", os.getpid(), "curl", 4, "10.244.1.7", "20.50.2.10", sport, 443, netns))
    except KeyboardInterrupt:
        exit()
