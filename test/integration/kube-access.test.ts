import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { debugPodName, debugPodSpec } from '../../src/adapters/kube/debug-pod';
import { KubeAccess } from '../../src/adapters/kube/kube-access';
import { startSimKubeApiServer, type SimKubeApiServer } from '../../src/sim/kube-api-server';

const END = '--- end of the log lines this test writes ---';
/** A stdout too large to hold in one piece: 5 MiB of numbered lines. */
const BIG = Array.from({ length: 5 * 1024 * 16 }, (_, i) => `${String(i).padStart(63, '0')}\n`).join('');

function node(i: number): V1Node {
  return {
    metadata: { name: `aks-nodepool1-12345678-vmss${String(i).padStart(6, '0')}` },
    status: {
      addresses: [{ type: 'InternalIP', address: `10.224.${Math.floor(i / 250)}.${(i % 250) + 4}` }],
    },
  };
}

function pod(namespace: string, name: string, nodeName: string, ip: string | null): V1Pod {
  return {
    metadata: { namespace, name },
    spec: { nodeName, hostNetwork: ip === null, containers: [{ name: 'app', image: 'app:1' }] },
    status: { phase: 'Running', ...(ip === null ? {} : { podIP: ip, podIPs: [{ ip }] }) },
  };
}

describe('KubeAccess against the simulated API server (real client-node, real sockets)', () => {
  let server: SimKubeApiServer;
  let kube: KubeAccess;
  const nodes = Array.from({ length: 1200 }, (_, i) => node(i));
  const target = nodes[1100] as V1Node;
  const targetName = target.metadata?.name ?? '';

  beforeAll(async () => {
    server = await startSimKubeApiServer({
      nodes,
      pods: [
        pod('shop', 'checkout-5d8f7', targetName, '10.244.1.7'),
        pod('kube-system', 'kube-proxy-x7k2p', targetName, null),
        pod('shop', 'cart-7c9d4', nodes[0]?.metadata?.name ?? '', '10.244.0.9'),
      ],
      namespaces: ['aks-snat-responder'],
      startDelayMs: 50,
      runtime: {
        async *run(_pod, _container, signal) {
          yield '3268438       connect      42     curl             4  10.244.1.7       20.50.2.10       40032  443    4026532785\n';
          yield 'Possibly lost 3 samples\n';
          yield `${END}\n`;
          // The hold after the trace, until the pod is deleted.
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, 60_000);
            signal?.addEventListener('abort', () => {
              clearTimeout(timer);
              resolve();
            });
          });
        },
        exec: async (_pod, _container, command, streams) => {
          if (command.join(' ') === 'cat big' && streams !== undefined) {
            for (let at = 0; at < BIG.length; at += 100_000)
              await streams.stdout(Buffer.from(BIG.slice(at, at + 100_000)));
            return { stdout: '', stderr: '', exitCode: 0 };
          }
          return command[0] === 'false'
            ? { stdout: '', stderr: 'nope\n', exitCode: 3 }
            : { stdout: `${command.join(' ')}\n`, stderr: '', exitCode: 0 };
        },
      },
    });
    kube = new KubeAccess({ kubeconfig: server.kubeconfig() });
  });

  afterAll(() => server.close());

  it('finds a node by InternalIP across pages of the node list, and counts the nodes', async () => {
    expect(await kube.findNodeByIp('10.224.4.104')).toEqual({
      name: targetName,
      ip: '10.224.4.104',
      nodeCount: 1200,
    });
    expect(await kube.findNodeByIp('10.224.9.9')).toBeNull();
    expect(await kube.findNodeByName(targetName)).toEqual({
      name: targetName,
      ip: '10.224.4.104',
      nodeCount: 1200,
    });
  });

  it("lists the node's pods, hostNetwork ones without an address of their own", async () => {
    expect(await kube.podsOnNode(targetName)).toEqual([
      { namespace: 'kube-system', name: 'kube-proxy-x7k2p', ips: [], hostNetwork: true, containers: ['app'] },
      {
        namespace: 'shop',
        name: 'checkout-5d8f7',
        ips: ['10.244.1.7'],
        hostNetwork: false,
        containers: ['app'],
      },
    ]);
  });

  it('runs the debug pod: created, running, log followed and read, exec (streamed too), deleted', async () => {
    const spec = debugPodSpec({
      investigationId: 'it-1',
      nodeName: targetName,
      namespace: 'aks-snat-responder',
      image: 'busybox',
      traceSeconds: 5,
      runId: '2026-11-22T10:00:00.000Z',
    });
    const name = debugPodName('it-1');
    await kube.createPod(spec);
    let phase: string | undefined;
    for (let i = 0; i < 50 && phase !== 'Running'; i++) {
      phase = (await kube.readPod('aks-snat-responder', name)).status?.phase;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(phase).toBe('Running');

    let log = '';
    await kube.followLog('aks-snat-responder', name, 'debug', (chunk) => {
      log += chunk.toString('utf8');
      return log.includes(END);
    });
    expect(log).toContain('10.244.1.7       20.50.2.10');
    // The log as it stands, without following it: how the responder reads tcptracer's stderr.
    expect(await kube.readLog('aks-snat-responder', name, 'debug', 1 << 20)).toContain(
      'Possibly lost 3 samples\n',
    );

    // A stdout too large to hold arrives in chunks, whole and in order.
    // A consumer that takes its time (every tenth chunk) sets the pace: nothing is lost or reordered.
    const chunks: Buffer[] = [];
    const streamed = await kube.execStream('aks-snat-responder', name, 'debug', ['cat', 'big'], (chunk) => {
      chunks.push(chunk);
      return chunks.length % 10 === 0 ? new Promise((resolve) => setTimeout(resolve, 5)) : undefined;
    });
    expect(streamed).toEqual({ stderr: '', exitCode: 0 });
    expect(chunks.length).toBeGreaterThan(10);
    expect(Buffer.concat(chunks).toString('utf8')).toBe(BIG);

    expect(await kube.exec('aks-snat-responder', name, 'debug', ['cat', '/proc/42/net/tcp'])).toEqual({
      stdout: 'cat /proc/42/net/tcp\n',
      stderr: '',
      exitCode: 0,
    });
    expect(await kube.exec('aks-snat-responder', name, 'debug', ['false'])).toEqual({
      stdout: '',
      stderr: 'nope\n',
      exitCode: 3,
    });

    await kube.deletePod('aks-snat-responder', name);
    await kube.deletePod('aks-snat-responder', name); // gone already: no error
    await expect(kube.readPod('aks-snat-responder', name)).rejects.toMatchObject({
      name: 'KubeError',
      status: 404,
    });
  });
});
