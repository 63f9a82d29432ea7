import {
  DEBUG_PATH,
  DEBUG_POD_RESOURCES,
  debugPodName,
  debugPodSpec,
  EXEC_WINDOW_SECONDS,
} from '../../src/adapters/kube/debug-pod';
import { isDns1123Subdomain } from '../../src/core/validate-names';
import {
  debugPodCommand,
  debugPodScript,
  nodeCommands,
  TRACER_STARTUP_LIMIT_SECONDS,
} from '../../src/workflow/node-commands';

describe('the debug pod', () => {
  const spec = debugPodSpec({
    investigationId: 'alert-0f3c2a/10.224.0.4',
    nodeName: 'aks-nodepool1-12345678-vmss000000',
    namespace: 'aks-snat-responder',
    image: 'mcr.microsoft.com/cbl-mariner/busybox:2.0',
    traceSeconds: 30,
    runId: '2026-11-22T10:00:00.000Z',
  });

  it('is named from the investigation ID, the same way every time', () => {
    expect(spec.metadata?.name).toBe(debugPodName('alert-0f3c2a/10.224.0.4'));
    expect(debugPodName('alert-0f3c2a/10.224.0.4')).toBe(debugPodName('alert-0f3c2a/10.224.0.4'));
    expect(debugPodName('alert-0f3c2a/10.224.0.5')).not.toBe(spec.metadata?.name);
    expect(isDns1123Subdomain(spec.metadata?.name ?? '')).toBe(true);
  });

  it('is pinned, privileged, in the host PID and network namespaces, tolerating every taint', () => {
    expect(spec.spec).toMatchObject({
      nodeName: 'aks-nodepool1-12345678-vmss000000',
      hostPID: true,
      hostNetwork: true,
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      tolerations: [{ operator: 'Exists' }],
    });
    expect(spec.spec?.containers[0]).toMatchObject({
      image: 'mcr.microsoft.com/cbl-mariner/busybox:2.0',
      imagePullPolicy: 'IfNotPresent',
      securityContext: { privileged: true },
    });
  });

  it("reaches the node as AKS's node access does: its / at /host, and a bounded scratch dir for the trace", () => {
    expect(spec.spec?.volumes).toEqual([
      { name: 'host', hostPath: { path: '/', type: 'Directory' } },
      { name: 'trace', emptyDir: { sizeLimit: '2560Mi' } },
    ]);
    expect(spec.spec?.containers[0]?.volumeMounts).toEqual([
      { name: 'host', mountPath: '/host' },
      { name: 'trace', mountPath: '/trace' },
    ]);
    // After chroot /host the node's tools are found on the container's PATH, crictl's tarball dir included.
    expect(spec.spec?.containers[0]?.env).toEqual([{ name: 'PATH', value: DEBUG_PATH }]);
    expect(DEBUG_PATH.split(':')).toContain('/opt/bin');
  });

  it("is sized for bcc's compile in its own cgroup: a core, and memory for clang/LLVM", () => {
    expect(spec.spec?.containers[0]?.resources).toEqual({
      requests: { cpu: '100m', memory: '256Mi', 'ephemeral-storage': '64Mi' },
      limits: { cpu: '1', memory: '768Mi', 'ephemeral-storage': '3Gi' },
    });
    expect(DEBUG_POD_RESOURCES.limits.cpu).toBe('1');
  });

  it('has a deadline past the BPF compile, the trace and the exec window, and the responder labels', () => {
    expect(spec.spec?.activeDeadlineSeconds).toBe(
      TRACER_STARTUP_LIMIT_SECONDS + 30 + EXEC_WINDOW_SECONDS + 60,
    );
    expect(spec.metadata?.labels).toMatchObject({
      'app.kubernetes.io/name': 'aks-snat-responder',
      'app.kubernetes.io/component': 'debug-pod',
    });
  });

  it('runs only busybox (sh) itself, and tcptracer as the runbook does, under chroot /host', () => {
    expect(spec.spec?.containers[0]?.command).toEqual(debugPodCommand(30));
    expect(debugPodCommand(30).slice(0, 2)).toEqual(['sh', '-c']);
    expect(debugPodScript(30).split('\n')).toEqual([
      'cd /trace || exit 1',
      'cat /proc/uptime > started',
      "(until grep -qxF 'Tracing TCP established connections. Ctrl-C to end.' trace.log; do cat tracer.status > /dev/null 2>&1 && exit 0; sleep 0.1; done; " +
        'cat /proc/uptime > banner; sleep 30; read pid < tracer.pid; cat /proc/uptime > stopped; ' +
        'cat tracer.status > /dev/null 2>&1 || kill -INT $pid; sleep 1; cat tracer.status > /dev/null 2>&1 || kill -INT $pid; sleep 1; ' +
        'cat tracer.status > /dev/null 2>&1 || kill -INT $pid; sleep 1; cat tracer.status > /dev/null 2>&1 || kill -INT $pid; sleep 1; ' +
        'cat tracer.status > /dev/null 2>&1 || kill -INT $pid; sleep 6; cat tracer.status > /dev/null 2>&1 || kill -KILL $pid) > /dev/null 2>&1 &',
      "sh -c 'echo $$ > tracer.pid; ulimit -f 4194304; exec timeout -s INT -k 10 270 chroot /host python3 -u /usr/share/bcc/tools/tcptracer -tv' > trace.log",
      'echo $? > tracer.status',
      'cat /proc/uptime > ended',
      `exec sleep ${EXEC_WINDOW_SECONDS}`,
    ]);
  });

  it("reads the node's tools under chroot /host, and /proc straight (the pod is hostPID)", () => {
    expect(nodeCommands.lsns()).toEqual(['chroot', '/host', 'lsns', '-t', 'net', '-J']);
    expect(nodeCommands.pstree()).toEqual(['chroot', '/host', 'pstree', '-aspl', '1']);
    expect(nodeCommands.crictlPods()).toEqual(['chroot', '/host', 'crictl', 'pods', '-o', 'json']);
    expect(nodeCommands.hostSockets()).toEqual(['chroot', '/host', 'ss', '-tnp']);
    expect(nodeCommands.procNetTcp(4711)).toEqual(['cat', '/proc/4711/net/tcp', '/proc/4711/net/tcp6']);
    expect(nodeCommands.traceLog()).toEqual(['cat', '/trace/trace.log']);
  });

  it.each([0, -1, 1.5, 3601, Number.NaN])('refuses a trace of %p seconds', (seconds) => {
    expect(() => debugPodScript(seconds)).toThrow(RangeError);
  });

  it.each([0, -3, 4_194_305, 1.5])('refuses %p as a PID in a command line', (pid) => {
    expect(() => nodeCommands.procNetTcp(pid)).toThrow(RangeError);
  });
});
