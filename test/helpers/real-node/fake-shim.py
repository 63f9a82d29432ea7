# A stand-in for containerd-shim-runc-v2 in the real-node tests, run by the Python interpreter through a
# symlink named containerd-shim-runc-v2 (so the kernel's comm is `containerd-shim`, as on a node), with
# `-c` code that execs this file. It does what the responder relies on a shim for, and nothing else:
#
# - its command line reads exactly as containerd starts a runc v2 shim (containerd runtime/v2/shim
#   util.go: `<path> -namespace k8s.io -id <sandbox id> -address <socket>`), so that pstree shows what it
#   shows on a node. The interpreter's own `-c ...` arguments are overwritten in place, in the argv area
#   the kernel reads /proc/<pid>/cmdline from (proc(5) `arg_start`/`arg_end`, fields 48 and 49 of
#   /proc/<pid>/stat), as setproctitle does; the caller pads the code so that both are the same length;
# - the pod's processes are its children: the sandbox's `pause` first, then the container's process
#   (FAKE_SHIM_CHILDREN, a JSON list of argv lists), each started as its own child process;
# - it tells the test their PIDs on stdout, one JSON line;
# - SIGTERM kills and reaps them, then the shim exits. Every process here dies with its parent
#   (PR_SET_PDEATHSIG), so nothing outlives a test runner that was killed.
import ctypes
import json
import os
import signal
import subprocess
import sys

libc = ctypes.CDLL(None, use_errno=True)
PR_SET_PDEATHSIG = 1


def die_with_parent():
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


die_with_parent()
if os.getppid() != int(os.environ["FAKE_SHIM_PARENT"]):
    sys.exit("fake shim: the test runner ended before the shim started")


def set_command_line(argv):
    # proc(5): /proc/<pid>/stat field 48 is arg_start, 49 arg_end; the fields after `(comm)` start at 3.
    with open("/proc/self/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    start, end = int(fields[45]), int(fields[46])
    wanted = b"".join(arg.encode() + b"\0" for arg in argv)
    if len(wanted) != end - start:
        sys.exit(f"fake shim: the command line takes {end - start} bytes, the shim's needs {len(wanted)}")
    ctypes.memmove(start, wanted, len(wanted))
    with open("/proc/self/cmdline", "rb") as cmdline:
        if cmdline.read() != wanted:
            sys.exit("fake shim: /proc/self/cmdline did not change")


set_command_line(json.loads(os.environ["FAKE_SHIM_ARGV"]))

children_argv = json.loads(os.environ["FAKE_SHIM_CHILDREN"])
env = {k: v for k, v in os.environ.items() if not k.startswith("FAKE_SHIM_")}
children = []


def stop(signum, frame):
    for child in children:
        try:
            child.kill()
        except ProcessLookupError:
            pass
    for child in children:
        child.wait()
    os._exit(0)


signal.signal(signal.SIGTERM, stop)
for argv in children_argv:
    children.append(subprocess.Popen(argv, env=env, preexec_fn=die_with_parent))
print(json.dumps({"shim": os.getpid(), "children": [child.pid for child in children]}), flush=True)

# A child that ends on its own is a broken setup (a connect that failed, say): say so and stop.
pid, status = os.wait()
sys.stderr.write(f"fake shim: child {pid} ended ({status:#x})\n")
signal.signal(signal.SIGTERM, signal.SIG_DFL)
for child in children:
    if child.pid != pid:
        child.kill()
        child.wait()
sys.exit(1)
