import {
  debugPodName,
  debugPodSpec,
  EXEC_WINDOW_SECONDS,
  tracerCommand,
  TRACE_END_MARKER,
} from '../../src/adapters/kube/debug-pod';
import { InputError } from '../../src/core/errors';
import { isDns1123Subdomain } from '../../src/core/validate-names';

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

  it('has a deadline past the trace and the exec window, and the responder labels', () => {
    expect(spec.spec?.activeDeadlineSeconds).toBe(30 + EXEC_WINDOW_SECONDS + 60);
    expect(spec.metadata?.labels).toMatchObject({
      'app.kubernetes.io/name': 'aks-snat-responder',
      'app.kubernetes.io/component': 'debug-pod',
    });
  });

  it('traces on the host for the window, marks the end, then holds for the execs', () => {
    expect(tracerCommand(30)).toEqual([
      'nsenter',
      '-t',
      '1',
      '-m',
      '-u',
      '-i',
      '-n',
      '-p',
      '--',
      'sh',
      '-c',
      `timeout 30s /usr/share/bcc/tools/tcptracer -t4v; echo '${TRACE_END_MARKER}'; exec sleep ${EXEC_WINDOW_SECONDS}`,
    ]);
  });

  it.each([0, -1, 1.5, 3601, Number.NaN])('refuses a trace of %p seconds', (seconds) => {
    expect(() => tracerCommand(seconds)).toThrow(InputError);
  });
});
