import { Channel, chooseExecProtocol, execErrorStatus, execStatus, frames } from '../../src/sim/kube-exec';
import { formatKubeTime, toWireJson } from '../../src/sim/kube-wire';

describe('exec channel protocol', () => {
  it.each([
    [['v5.channel.k8s.io', 'v4.channel.k8s.io', 'channel.k8s.io'], 'v5.channel.k8s.io'],
    [['v4.channel.k8s.io', 'v5.channel.k8s.io'], 'v4.channel.k8s.io'],
    [['v3.channel.k8s.io', 'v4.channel.k8s.io'], 'v4.channel.k8s.io'],
    [['channel.k8s.io', 'base64.channel.k8s.io'], undefined],
    [[], undefined],
  ])('chooses from %p: %p', (offered, expected) => {
    expect(chooseExecProtocol(offered)).toBe(expected);
  });

  it('prefixes each frame with its channel and splits long output', () => {
    expect(frames(Channel.stdout, 'hi')).toEqual([Buffer.from([1, 0x68, 0x69])]);
    expect(frames(Channel.stderr, '')).toEqual([]);
    expect(frames(Channel.stdout, 'abcde', 2).map((f) => [...f])).toEqual([
      [1, 0x61, 0x62],
      [1, 0x63, 0x64],
      [1, 0x65],
    ]);
  });

  it('reports success, a non-zero exit code, and a command that could not run as the kubelet does', () => {
    expect(execStatus({ stdout: '', stderr: '', exitCode: 0 }, ['ls'])).toEqual({
      metadata: {},
      status: 'Success',
    });
    expect(execStatus({ stdout: '', stderr: '', exitCode: 2 }, ['ls', '/x'])).toEqual({
      metadata: {},
      status: 'Failure',
      message: "command terminated with non-zero exit code: command 'ls /x' exited with 2",
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '2' }] },
    });
    expect(execErrorStatus('no such container')).toEqual({
      metadata: {},
      status: 'Failure',
      message: 'Internal error occurred: no such container',
      reason: 'InternalError',
      details: { causes: [{ message: 'no such container' }] },
      code: 500,
    });
  });
});

describe('wire format', () => {
  it('writes Dates as metav1.Time, whole seconds in UTC', () => {
    const at = new Date('2025-06-01T12:00:00.789Z');
    expect(formatKubeTime(at)).toBe('2025-06-01T12:00:00Z');
    expect(toWireJson({ metadata: { creationTimestamp: at, name: 'x' }, list: [at] })).toBe(
      '{"metadata":{"creationTimestamp":"2025-06-01T12:00:00Z","name":"x"},"list":["2025-06-01T12:00:00Z"]}',
    );
  });
});
