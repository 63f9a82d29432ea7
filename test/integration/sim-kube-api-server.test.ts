import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import {
  ApiException,
  CoreV1Api,
  Exec,
  KubeConfig,
  Log,
  Watch,
  type V1Node,
  type V1Pod,
  type V1Status,
} from '@kubernetes/client-node';
import { WebSocketHandler } from '@kubernetes/client-node/dist/web-socket-handler.js';
import WebSocket from 'ws';
import {
  startSimKubeApiServer,
  type ExecResult,
  type PodRuntime,
  type SimKubeApiServer,
} from '../../src/sim/kube-api-server';

/** The server's clock: AGE columns and timestamps are exact. Timers (start delay, deadlines) still run in real time. */
const NOW = new Date('2025-06-01T12:00:00Z');
const minutesAgo = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000);

function node(name: string, ip: string, labels: Record<string, string>, podCIDR?: string): V1Node {
  return {
    metadata: {
      name,
      labels: { 'kubernetes.io/hostname': name, ...labels },
      creationTimestamp: minutesAgo(3 * 24 * 60),
    },
    spec: podCIDR === undefined ? {} : { podCIDR },
    status: {
      conditions: [{ type: 'Ready', status: 'True' }],
      addresses: [
        { type: 'InternalIP', address: ip },
        { type: 'Hostname', address: name },
      ],
      nodeInfo: {
        architecture: 'amd64',
        bootID: '',
        containerRuntimeVersion: 'containerd://1.7.23-1',
        kernelVersion: '5.15.0-1074-azure',
        kubeProxyVersion: '',
        kubeletVersion: 'v1.30.6',
        machineID: '',
        operatingSystem: 'linux',
        osImage: 'Ubuntu 22.04.5 LTS',
        systemUUID: '',
      },
    },
  };
}

function existingPod(
  namespace: string,
  name: string,
  nodeName: string,
  ip: string,
  labels: Record<string, string>,
  hostNetwork = false,
): V1Pod {
  return {
    metadata: { namespace, name, labels, creationTimestamp: minutesAgo(125) },
    spec: { nodeName, hostNetwork, containers: [{ name: 'app', image: 'mcr.microsoft.com/app:1.0' }] },
    status: { podIP: ip },
  };
}

const NODES = [
  node(
    'aks-nodepool1-0',
    '10.224.0.4',
    { agentpool: 'nodepool1', 'node-role.kubernetes.io/agent': '' },
    '10.244.0.0/24',
  ),
  node(
    'aks-nodepool1-1',
    '10.224.0.5',
    { agentpool: 'nodepool1', 'node-role.kubernetes.io/agent': '' },
    '10.244.1.0/24',
  ),
  node('aks-userpool-0', '10.224.0.6', { agentpool: 'userpool' }),
];

const PODS = [
  existingPod('shop', 'checkout-5d8f7', 'aks-nodepool1-0', '10.244.0.7', { app: 'checkout', tier: 'web' }),
  existingPod('shop', 'cart-7c9d4', 'aks-nodepool1-1', '10.244.1.8', { app: 'cart', tier: 'api' }),
  existingPod('shop', 'payments-6b8f9', 'aks-nodepool1-0', '10.244.0.9', { app: 'payments', tier: 'api' }),
  existingPod(
    'kube-system',
    'kube-proxy-x1',
    'aks-nodepool1-0',
    '10.224.0.4',
    { 'k8s-app': 'kube-proxy' },
    true,
  ),
  existingPod('monitoring', 'agent-z', 'aks-userpool-0', '10.244.9.3', { app: 'agent' }),
];

interface Deferred {
  readonly promise: Promise<void>;
  readonly resolve: () => void;
}

function deferred(): Deferred {
  let resolve = () => undefined as void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

type Script = (signal: AbortSignal | undefined) => AsyncIterable<string>;

/** The containers of created pods play the script registered under the pod's name; exec answers from a table. */
class FakeRuntime implements PodRuntime {
  readonly scripts = new Map<string, Script>();
  readonly aborted = new Set<string>();
  readonly started: string[] = [];

  run(pod: V1Pod, container: string, signal?: AbortSignal): AsyncIterable<string> {
    const name = pod.metadata?.name ?? '';
    this.started.push(`${name}/${container}@${pod.status?.podIP ?? '-'}`);
    signal?.addEventListener('abort', () => this.aborted.add(name));
    const script = this.scripts.get(name);
    if (script === undefined) throw new Error(`no script for ${name}`);
    return script(signal);
  }

  exec(pod: V1Pod, container: string, command: readonly string[]): Promise<ExecResult> {
    const [program, ...args] = command;
    if (program === 'echo')
      return Promise.resolve({ stdout: `${args.join(' ')}\n`, stderr: '', exitCode: 0 });
    if (program === 'whoami') {
      return Promise.resolve({
        stdout: `${pod.metadata?.name}/${container}\n`,
        stderr: 'note\n',
        exitCode: 0,
      });
    }
    return Promise.resolve({ stdout: 'partial\n', stderr: `${program}: not found\n`, exitCode: 127 });
  }
}

async function* chunks(parts: readonly string[], gapMs = 20): AsyncIterable<string> {
  for (const part of parts) {
    await sleep(gapMs);
    yield part;
  }
}

function kubeConfigFor(server: SimKubeApiServer, user?: { token: string }): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(server.kubeconfig(user === undefined ? {} : { user }));
  return kc;
}

/** The HTTP code and the Status body of a failed client-node call. */
async function failure(call: Promise<unknown>): Promise<{ code: number; body: unknown }> {
  try {
    await call;
  } catch (error) {
    if (!(error instanceof ApiException)) throw error;
    const body: unknown =
      typeof error.body === 'string' && error.body !== '' ? JSON.parse(error.body) : error.body;
    return { code: error.code, body };
  }
  throw new Error('the call succeeded');
}

async function waitForPod(
  core: CoreV1Api,
  namespace: string,
  name: string,
  done: (pod: V1Pod) => boolean,
  timeoutMs = 5000,
): Promise<V1Pod> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pod = await core.readNamespacedPod({ namespace, name });
    if (done(pod)) return pod;
    if (Date.now() > deadline) throw new Error(`pod ${namespace}/${name} still ${pod.status?.phase}`);
    await sleep(20);
  }
}

/** A stream sink keeping what it receives; `onChunk` hears of each chunk as it comes. */
function collect(onChunk: () => void = () => undefined): {
  sink: Writable;
  text: () => string;
  ended: Promise<void>;
} {
  const parts: Buffer[] = [];
  const end = deferred();
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      parts.push(chunk);
      onChunk();
      callback();
    },
    final(callback) {
      end.resolve();
      callback();
    },
  });
  return { sink, text: () => Buffer.concat(parts).toString('utf8'), ended: end.promise };
}

function newPod(name: string, extra: Partial<NonNullable<V1Pod['spec']>> = {}, namespace = 'jobs'): V1Pod {
  return {
    metadata: { name, namespace, labels: { suite: 'sim' } },
    spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox:1.36' }], ...extra },
  };
}

async function execIn(
  kc: KubeConfig,
  namespace: string,
  pod: string,
  command: string[],
  protocols?: string[],
): Promise<{ stdout: string; stderr: string; status: V1Status; protocol: string }> {
  const handler =
    protocols === undefined
      ? undefined
      : new WebSocketHandler(kc, (uri, _offered, opts) => new WebSocket(uri, protocols, opts));
  const exec = new Exec(kc, handler);
  const out = collect();
  const err = collect();
  const status = deferred();
  let received: V1Status | undefined;
  const socket = await exec.exec(namespace, pod, 'app', command, out.sink, err.sink, null, false, (s) => {
    received = s;
    status.resolve();
  });
  await status.promise;
  await Promise.all([out.ended, err.ended]);
  if (received === undefined) throw new Error('no status');
  return { stdout: out.text(), stderr: err.text(), status: received, protocol: socket.protocol };
}

const run = (file: string, args: readonly string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(file, args, { timeout: 20_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });

/** `kubectl get` output split into cells: columns are separated by two or more spaces. */
function cells(output: string): string[][] {
  return output
    .trimEnd()
    .split('\n')
    .map((line) => line.trim().split(/\s{2,}/));
}

describe('simulated Kubernetes API server', () => {
  const runtime = new FakeRuntime();
  let server: SimKubeApiServer;
  let kc: KubeConfig;
  let core: CoreV1Api;
  let tmp: string;

  beforeAll(async () => {
    server = await startSimKubeApiServer({
      nodes: NODES,
      pods: PODS,
      namespaces: ['jobs'],
      runtime,
      startDelayMs: 100,
      now: () => NOW,
    });
    kc = kubeConfigFor(server);
    core = kc.makeApiClient(CoreV1Api);
    tmp = mkdtempSync(join(tmpdir(), 'sim-kube-'));
  });

  afterAll(async () => {
    await server.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  describe('discovery and errors', () => {
    it('answers /version, /api, /apis and /api/v1 with the documents kubectl reads', async () => {
      const get = async (path: string) =>
        (await fetch(server.url + path)).json() as Promise<Record<string, unknown>>;
      expect(await get('/version')).toMatchObject({ major: '1', minor: '30', gitVersion: 'v1.30.6' });
      expect(await get('/api')).toEqual({
        kind: 'APIVersions',
        versions: ['v1'],
        serverAddressByClientCIDRs: [
          { clientCIDR: '0.0.0.0/0', serverAddress: server.url.slice('http://'.length) },
        ],
      });
      expect(await get('/apis')).toEqual({ kind: 'APIGroupList', apiVersion: 'v1', groups: [] });
      const resources = (await get('/api/v1')) as { resources: { name: string; shortNames?: string[] }[] };
      expect(resources.resources.map((r) => [r.name, r.shortNames ?? []])).toEqual([
        ['namespaces', ['ns']],
        ['nodes', ['no']],
        ['pods', ['po']],
        ['pods/exec', []],
        ['pods/log', []],
      ]);
    });

    it.each([
      ['/apis/apps/v1/deployments'],
      ['/api/v1/services'],
      ['/openapi/v2'],
      ['/api/v1/namespaces/shop/pods/checkout-5d8f7/status'],
    ])('answers an unknown path (%s) with a 404 Status', async (path) => {
      const response = await fetch(server.url + path);
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'the server could not find the requested resource',
        reason: 'NotFound',
        details: {},
        code: 404,
      });
    });

    it('answers a missing pod with 404 NotFound naming it', async () => {
      expect(await failure(core.readNamespacedPod({ namespace: 'shop', name: 'nope' }))).toEqual({
        code: 404,
        body: {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: 'pods "nope" not found',
          reason: 'NotFound',
          details: { name: 'nope', kind: 'pods' },
          code: 404,
        },
      });
      expect((await failure(core.readNode({ name: 'aks-nope' }))).code).toBe(404);
    });

    it('refuses a selector on a field the resource does not index with 400 BadRequest', async () => {
      expect(await failure(core.listPodForAllNamespaces({ fieldSelector: 'spec.nodename=x' }))).toEqual({
        code: 400,
        body: {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: 'field label not supported: spec.nodename',
          reason: 'BadRequest',
          code: 400,
        },
      });
    });
  });

  describe('nodes, namespaces and pods as listed', () => {
    it('gets a node and lists nodes by label', async () => {
      const one = await core.readNode({ name: 'aks-nodepool1-1' });
      expect(one.status?.addresses?.[0]).toEqual({ type: 'InternalIP', address: '10.224.0.5' });
      const pool = await core.listNode({ labelSelector: 'agentpool=nodepool1' });
      expect(pool.items.map((n) => n.metadata?.name)).toEqual(['aks-nodepool1-0', 'aks-nodepool1-1']);
      const notPool = await core.listNode({ labelSelector: 'agentpool!=nodepool1,kubernetes.io/hostname' });
      expect(notPool.items.map((n) => n.metadata?.name)).toEqual(['aks-userpool-0']);
    });

    it('lists the namespaces of the options and of the pods, plus default and kube-system', async () => {
      const list = await core.listNamespace();
      expect(list.items.map((n) => [n.metadata?.name, n.status?.phase])).toEqual([
        ['default', 'Active'],
        ['jobs', 'Active'],
        ['kube-system', 'Active'],
        ['monitoring', 'Active'],
        ['shop', 'Active'],
      ]);
      expect((await core.readNamespace({ name: 'shop' })).metadata?.labels).toEqual({
        'kubernetes.io/metadata.name': 'shop',
      });
    });

    it.each([
      [
        'spec.nodeName=aks-nodepool1-0',
        ['kube-system/kube-proxy-x1', 'shop/checkout-5d8f7', 'shop/payments-6b8f9'],
      ],
      ['spec.nodeName=aks-nodepool1-1', ['shop/cart-7c9d4']],
      ['spec.nodeName=aks-nodepool1-0,metadata.name=payments-6b8f9', ['shop/payments-6b8f9']],
      ['spec.nodeName==aks-nodepool1-0,metadata.namespace!=shop', ['kube-system/kube-proxy-x1']],
      ['status.phase=Running,spec.hostNetwork=true', ['kube-system/kube-proxy-x1']],
      ['status.podIP=10.244.9.3', ['monitoring/agent-z']],
      ['spec.nodeName=aks-nope', []],
    ])('lists pods of all namespaces with fieldSelector %s', async (fieldSelector, expected) => {
      const list = await core.listPodForAllNamespaces({ fieldSelector, labelSelector: '!suite' });
      expect(list.items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`)).toEqual(expected);
    });

    it.each([
      ['app=checkout', ['checkout-5d8f7']],
      ['tier', ['cart-7c9d4', 'checkout-5d8f7', 'payments-6b8f9']],
      ['tier!=api', ['checkout-5d8f7']],
      ['tier=api,app!=cart', ['payments-6b8f9']],
      ['app in (cart, payments)', ['cart-7c9d4', 'payments-6b8f9']],
      ['app notin (cart),tier', ['checkout-5d8f7', 'payments-6b8f9']],
      ['!tier', []],
    ])('lists the pods of a namespace with labelSelector %s', async (labelSelector, expected) => {
      const list = await core.listNamespacedPod({ namespace: 'shop', labelSelector });
      expect(list.items.map((p) => p.metadata?.name)).toEqual(expected);
    });

    it('pages pods of all namespaces with limit and continue', async () => {
      const names: string[] = [];
      const tokens: (string | undefined)[] = [];
      let token: string | undefined;
      do {
        const page = await core.listPodForAllNamespaces({
          limit: 2,
          _continue: token,
          labelSelector: '!suite',
        });
        names.push(...page.items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`));
        token = page.metadata?._continue || undefined;
        tokens.push(token);
      } while (token !== undefined);
      expect(names).toEqual([
        'kube-system/kube-proxy-x1',
        'monitoring/agent-z',
        'shop/cart-7c9d4',
        'shop/checkout-5d8f7',
        'shop/payments-6b8f9',
      ]);
      expect(tokens.map((t) => typeof t)).toEqual(['string', 'string', 'undefined']);
    });

    it('refuses a continue token it did not issue with 400', async () => {
      const { code } = await failure(core.listNode({ limit: 1, _continue: 'bm90LWEtdG9rZW4' }));
      expect(code).toBe(400);
    });

    it('shows pre-existing pods Running with the caller IP, node and host network', async () => {
      const proxy = await core.readNamespacedPod({ namespace: 'kube-system', name: 'kube-proxy-x1' });
      expect([
        proxy.status?.phase,
        proxy.status?.podIP,
        proxy.spec?.nodeName,
        proxy.spec?.hostNetwork,
      ]).toEqual(['Running', '10.224.0.4', 'aks-nodepool1-0', true]);
      expect(
        proxy.status?.containerStatuses?.map((s) => [s.name, s.ready, s.state?.running !== undefined]),
      ).toEqual([['app', true, true]]);
    });
  });

  describe('paging a large node list', () => {
    let big: SimKubeApiServer;

    beforeAll(async () => {
      const nodes = Array.from({ length: 250 }, (_, i) =>
        node(`node-${String(i).padStart(3, '0')}`, `10.1.${Math.floor(i / 200)}.${i % 200}`, {}),
      );
      big = await startSimKubeApiServer({ nodes, pods: [], runtime });
    });

    afterAll(() => big.close());

    it('serves 250 nodes in pages of 100, 100 and 50, each name once', async () => {
      const api = kubeConfigFor(big).makeApiClient(CoreV1Api);
      const pages: { size: number; remaining: number | undefined; more: boolean }[] = [];
      const names: string[] = [];
      let token: string | undefined;
      do {
        const page = await api.listNode({ limit: 100, _continue: token });
        token = page.metadata?._continue || undefined;
        pages.push({
          size: page.items.length,
          remaining: page.metadata?.remainingItemCount,
          more: token !== undefined,
        });
        names.push(...page.items.map((n) => n.metadata?.name ?? ''));
      } while (token !== undefined);
      expect(pages).toEqual([
        { size: 100, remaining: 150, more: true },
        { size: 100, remaining: 50, more: true },
        { size: 50, remaining: undefined, more: false },
      ]);
      expect(names).toEqual(Array.from({ length: 250 }, (_, i) => `node-${String(i).padStart(3, '0')}`));
    });
  });

  describe('created pods', () => {
    it('goes Pending -> Running -> Succeeded, with the runtime chunks as its log', async () => {
      runtime.scripts.set('job-ok', () => chunks(['alpha\n', 'beta\n', 'gamma\n']));
      const created = await core.createNamespacedPod({
        namespace: 'jobs',
        body: newPod('job-ok', { nodeSelector: { agentpool: 'userpool' } }),
      });
      expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
      expect(created.metadata?.creationTimestamp).toEqual(NOW);
      expect(Number(created.metadata?.resourceVersion)).toBeGreaterThan(0);
      expect([created.metadata?.namespace, created.status?.phase, created.status?.podIP]).toEqual([
        'jobs',
        'Pending',
        undefined,
      ]);

      const pending = await core.readNamespacedPod({ namespace: 'jobs', name: 'job-ok' });
      expect([pending.status?.phase, pending.spec?.nodeName, pending.status?.podIP]).toEqual([
        'Pending',
        'aks-userpool-0',
        undefined,
      ]);
      expect(pending.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe('ContainerCreating');
      const waiting = await fetch(`${server.url}/api/v1/namespaces/jobs/pods/job-ok/log`);
      expect([waiting.status, await waiting.json()]).toEqual([
        400,
        {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: 'container "main" in pod "job-ok" is waiting to start: ContainerCreating',
          reason: 'BadRequest',
          code: 400,
        },
      ]);

      const running = await waitForPod(core, 'jobs', 'job-ok', (p) => p.status?.phase !== 'Pending');
      expect(running.status?.phase).toBe('Running');
      // aks-userpool-0 has no podCIDR: the address comes from the simulator's own range.
      expect(running.status?.podIP).toBe('10.244.128.2');
      expect(running.status?.hostIP).toBe('10.224.0.6');

      const done = await waitForPod(core, 'jobs', 'job-ok', (p) => p.status?.phase === 'Succeeded');
      expect(done.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({
        exitCode: 0,
        reason: 'Completed',
      });
      expect(await core.readNamespacedPodLog({ namespace: 'jobs', name: 'job-ok', container: 'main' })).toBe(
        'alpha\nbeta\ngamma\n',
      );
      expect(runtime.started).toContain('job-ok/main@10.244.128.2');
    });

    it("gives a host-network pod its node's InternalIP and a pod network pod an address of the node's podCIDR", async () => {
      runtime.scripts.set('job-host', () => chunks(['h\n'], 200));
      runtime.scripts.set('job-cidr', () => chunks(['c\n'], 200));
      await core.createNamespacedPod({
        namespace: 'jobs',
        body: newPod('job-host', { nodeName: 'aks-nodepool1-1', hostNetwork: true }),
      });
      await core.createNamespacedPod({
        namespace: 'jobs',
        body: newPod('job-cidr', { nodeName: 'aks-nodepool1-1' }),
      });
      const host = await waitForPod(core, 'jobs', 'job-host', (p) => p.status?.phase === 'Running');
      const cidr = await waitForPod(core, 'jobs', 'job-cidr', (p) => p.status?.phase === 'Running');
      expect([host.status?.podIP, cidr.status?.podIP]).toEqual(['10.224.0.5', '10.244.1.2']);
      await core.deleteNamespacedPod({ namespace: 'jobs', name: 'job-host' });
      await core.deleteNamespacedPod({ namespace: 'jobs', name: 'job-cidr' });
    });

    it('streams a followed log as the container writes it and ends it when the container exits', async () => {
      const gate = deferred();
      runtime.scripts.set('job-follow', async function* () {
        yield 'first\n';
        await gate.promise;
        yield 'second\n';
      });
      await core.createNamespacedPod({
        namespace: 'jobs',
        body: newPod('job-follow', { nodeName: 'aks-userpool-0' }),
      });
      await waitForPod(core, 'jobs', 'job-follow', (p) => p.status?.phase === 'Running');
      const firstSeen = deferred();
      const log = collect(() => firstSeen.resolve());
      await new Log(kc).log('jobs', 'job-follow', 'main', log.sink, { follow: true });
      await firstSeen.promise;
      // The container is still running: it waits on the gate.
      expect(log.text()).toBe('first\n');
      expect((await core.readNamespacedPod({ namespace: 'jobs', name: 'job-follow' })).status?.phase).toBe(
        'Running',
      );
      gate.resolve();
      await log.ended;
      expect(log.text()).toBe('first\nsecond\n');
      await waitForPod(core, 'jobs', 'job-follow', (p) => p.status?.phase === 'Succeeded');
    });

    it('fails the pod with exit code 1 when the runtime throws', async () => {
      runtime.scripts.set('job-crash', async function* () {
        yield 'oops\n';
        await sleep(10);
        throw new Error('segfault');
      });
      await core.createNamespacedPod({
        namespace: 'jobs',
        body: newPod('job-crash', { nodeName: 'aks-userpool-0' }),
      });
      const failed = await waitForPod(core, 'jobs', 'job-crash', (p) => p.status?.phase === 'Failed');
      expect(failed.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({
        exitCode: 1,
        reason: 'Error',
      });
      expect(await core.readNamespacedPodLog({ namespace: 'jobs', name: 'job-crash' })).toBe('oops\n');
    });

    it('fails a pod still running at activeDeadlineSeconds with DeadlineExceeded and stops its stream', async () => {
      runtime.scripts.set('job-deadline', async function* (signal) {
        yield 'tick\n';
        await new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve()));
        yield 'never read\n';
      });
      const started = Date.now();
      await core.createNamespacedPod({
        namespace: 'jobs',
        body: newPod('job-deadline', { nodeName: 'aks-userpool-0', activeDeadlineSeconds: 1 }),
      });
      await waitForPod(core, 'jobs', 'job-deadline', (p) => p.status?.phase === 'Running');
      const log = collect();
      await new Log(kc).log('jobs', 'job-deadline', 'main', log.sink, { follow: true });
      await log.ended;
      const failed = await core.readNamespacedPod({ namespace: 'jobs', name: 'job-deadline' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
      expect([failed.status?.phase, failed.status?.reason, failed.status?.message]).toEqual([
        'Failed',
        'DeadlineExceeded',
        'Pod was active on the node longer than the specified deadline',
      ]);
      expect(failed.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(137);
      expect(log.text()).toBe('tick\n');
      expect(runtime.aborted.has('job-deadline')).toBe(true);
    });

    it('deletes a pod: returns it, stops its container, and the pod is gone', async () => {
      runtime.scripts.set('job-delete', async function* (signal) {
        yield 'up\n';
        await new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve()));
      });
      await core.createNamespacedPod({
        namespace: 'jobs',
        body: newPod('job-delete', { nodeName: 'aks-userpool-0' }),
      });
      await waitForPod(core, 'jobs', 'job-delete', (p) => p.status?.phase === 'Running');
      const deleted = await core.deleteNamespacedPod({
        namespace: 'jobs',
        name: 'job-delete',
        gracePeriodSeconds: 0,
      });
      expect([deleted.metadata?.name, deleted.metadata?.deletionTimestamp]).toEqual(['job-delete', NOW]);
      expect(runtime.aborted.has('job-delete')).toBe(true);
      expect((await failure(core.readNamespacedPod({ namespace: 'jobs', name: 'job-delete' }))).code).toBe(
        404,
      );
      expect(server.pods().map((p) => p.metadata?.name)).not.toContain('job-delete');
      expect((await failure(core.deleteNamespacedPod({ namespace: 'jobs', name: 'job-delete' }))).code).toBe(
        404,
      );
    });

    it('refuses a second pod of the same name with 409 AlreadyExists', async () => {
      expect(
        await failure(
          core.createNamespacedPod({ namespace: 'shop', body: newPod('cart-7c9d4', {}, 'shop') }),
        ),
      ).toEqual({
        code: 409,
        body: {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: 'pods "cart-7c9d4" already exists',
          reason: 'AlreadyExists',
          details: { name: 'cart-7c9d4', kind: 'pods' },
          code: 409,
        },
      });
    });

    it('refuses a pod without containers with 422 Invalid, and one in a missing namespace with 404', async () => {
      const invalid = await failure(
        core.createNamespacedPod({
          namespace: 'jobs',
          body: { metadata: { name: 'empty' }, spec: { containers: [] } },
        }),
      );
      expect(invalid).toMatchObject({
        code: 422,
        body: { reason: 'Invalid', message: 'Pod "empty" is invalid: spec.containers: Required value' },
      });
      const missing = await failure(
        core.createNamespacedPod({ namespace: 'nowhere', body: newPod('x', {}, 'nowhere') }),
      );
      expect(missing).toMatchObject({ code: 404, body: { message: 'namespaces "nowhere" not found' } });
    });

    it('reports pod changes to a watch with a field selector', async () => {
      runtime.scripts.set('job-watched', () => chunks(['w\n']));
      const events: string[] = [];
      const finished = deferred();
      const request = await new Watch(kc).watch(
        '/api/v1/namespaces/jobs/pods',
        { fieldSelector: 'metadata.name=job-watched' },
        (type: string, pod: V1Pod) => {
          events.push(`${type} ${pod.status?.phase}`);
          if (type === 'DELETED') finished.resolve();
        },
        () => finished.resolve(),
      );
      await core.createNamespacedPod({
        namespace: 'jobs',
        body: newPod('job-watched', { nodeName: 'aks-userpool-0' }),
      });
      await waitForPod(core, 'jobs', 'job-watched', (p) => p.status?.phase === 'Succeeded');
      await core.deleteNamespacedPod({ namespace: 'jobs', name: 'job-watched' });
      await finished.promise;
      request.abort();
      expect(events).toEqual([
        'ADDED Pending',
        'MODIFIED Pending',
        'MODIFIED Running',
        'MODIFIED Succeeded',
        'DELETED Succeeded',
      ]);
    });
  });

  describe('exec', () => {
    it.each([
      ['v5.channel.k8s.io', undefined],
      ['v4.channel.k8s.io', ['v4.channel.k8s.io']],
    ])('runs a command over %s with stdout, stderr and Success', async (protocol, offered) => {
      const result = await execIn(kc, 'shop', 'checkout-5d8f7', ['whoami'], offered);
      expect(result).toEqual({
        stdout: 'checkout-5d8f7/app\n',
        stderr: 'note\n',
        status: { metadata: {}, status: 'Success' },
        protocol,
      });
    });

    it.each([
      ['v5.channel.k8s.io', undefined],
      ['v4.channel.k8s.io', ['v4.channel.k8s.io']],
    ])(
      'reports a non-zero exit code over %s as NonZeroExitCode with the code as cause',
      async (protocol, offered) => {
        const result = await execIn(kc, 'shop', 'cart-7c9d4', ['netstat', '-ptn'], offered);
        expect(result).toEqual({
          stdout: 'partial\n',
          stderr: 'netstat: not found\n',
          status: {
            metadata: {},
            status: 'Failure',
            message: "command terminated with non-zero exit code: command 'netstat -ptn' exited with 127",
            reason: 'NonZeroExitCode',
            details: { causes: [{ reason: 'ExitCode', message: '127' }] },
          },
          protocol,
        });
      },
    );

    it('refuses exec into a completed pod with 400 before upgrading', async () => {
      const ws = new WebSocket(
        `${server.url.replace('http', 'ws')}/api/v1/namespaces/jobs/pods/job-ok/exec?command=ls&stdout=1`,
        ['v5.channel.k8s.io'],
      );
      const refused = await new Promise<{ code: number; body: string }>((resolve, reject) => {
        ws.on('unexpected-response', (_req, res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
          res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
        });
        ws.on('open', () => reject(new Error('upgraded')));
      });
      expect(refused.code).toBe(400);
      expect(JSON.parse(refused.body)).toMatchObject({
        reason: 'BadRequest',
        message: 'cannot exec into a container in a completed pod; current phase is Succeeded',
      });
    });
  });

  describe('table output', () => {
    const asTable = { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' };

    it('renders pods with the real columns and PartialObjectMetadata rows by default', async () => {
      const response = await fetch(`${server.url}/api/v1/namespaces/shop/pods?labelSelector=app%3Dcart`, {
        headers: asTable,
      });
      expect(response.headers.get('content-type')).toBe('application/json;as=Table;v=v1;g=meta.k8s.io');
      const table = (await response.json()) as {
        kind: string;
        columnDefinitions: { name: string; priority: number }[];
        rows: { cells: unknown[]; object: { kind: string; metadata: { namespace: string } } }[];
      };
      expect(table.kind).toBe('Table');
      expect(table.columnDefinitions.map((c) => `${c.name}:${c.priority}`)).toEqual([
        'Name:0',
        'Ready:0',
        'Status:0',
        'Restarts:0',
        'Age:0',
        'IP:1',
        'Node:1',
        'Nominated Node:1',
        'Readiness Gates:1',
      ]);
      expect(table.rows.map((r) => r.cells)).toEqual([
        ['cart-7c9d4', '1/1', 'Running', '0', '125m', '10.244.1.8', 'aks-nodepool1-1', '<none>', '<none>'],
      ]);
      expect(table.rows[0]?.object.kind).toBe('PartialObjectMetadata');
      expect(table.rows[0]?.object.metadata.namespace).toBe('shop');
    });

    it.each([
      ['Object', 'Node'],
      ['None', undefined],
    ])('honours includeObject=%s', async (includeObject, kind) => {
      const response = await fetch(
        `${server.url}/api/v1/nodes/aks-userpool-0?includeObject=${includeObject}`,
        {
          headers: asTable,
        },
      );
      const table = (await response.json()) as { rows: { cells: unknown[]; object?: { kind: string } }[] };
      expect(table.rows.map((r) => [r.cells, r.object?.kind])).toEqual([
        [
          [
            'aks-userpool-0',
            'Ready',
            '<none>',
            '3d',
            'v1.30.6',
            '10.224.0.6',
            '<none>',
            'Ubuntu 22.04.5 LTS',
            '5.15.0-1074-azure',
            'containerd://1.7.23-1',
          ],
          kind,
        ],
      ]);
    });
  });

  describe('with real kubectl', () => {
    let kubeconfigFile: string;
    const kubectl = (...args: string[]) =>
      run('kubectl', ['--kubeconfig', kubeconfigFile, '--cache-dir', join(tmp, 'cache'), ...args]);

    beforeAll(() => {
      kubeconfigFile = join(tmp, 'kubeconfig');
      writeFileSync(kubeconfigFile, server.kubeconfig({ contextName: 'sim-aks' }));
    });

    it('get nodes -o wide shows INTERNAL-IP with the node IPs', async () => {
      const result = await kubectl('get', 'nodes', '-o', 'wide');
      expect([result.code, result.stderr]).toEqual([0, '']);
      expect(cells(result.stdout)).toEqual([
        [
          'NAME',
          'STATUS',
          'ROLES',
          'AGE',
          'VERSION',
          'INTERNAL-IP',
          'EXTERNAL-IP',
          'OS-IMAGE',
          'KERNEL-VERSION',
          'CONTAINER-RUNTIME',
        ],
        [
          'aks-nodepool1-0',
          'Ready',
          'agent',
          '3d',
          'v1.30.6',
          '10.224.0.4',
          '<none>',
          'Ubuntu 22.04.5 LTS',
          '5.15.0-1074-azure',
          'containerd://1.7.23-1',
        ],
        [
          'aks-nodepool1-1',
          'Ready',
          'agent',
          '3d',
          'v1.30.6',
          '10.224.0.5',
          '<none>',
          'Ubuntu 22.04.5 LTS',
          '5.15.0-1074-azure',
          'containerd://1.7.23-1',
        ],
        [
          'aks-userpool-0',
          'Ready',
          '<none>',
          '3d',
          'v1.30.6',
          '10.224.0.6',
          '<none>',
          'Ubuntu 22.04.5 LTS',
          '5.15.0-1074-azure',
          'containerd://1.7.23-1',
        ],
      ]);
    });

    it("get pods -A -o wide --field-selector spec.nodeName lists exactly that node's pods", async () => {
      const result = await kubectl(
        'get',
        'pods',
        '-A',
        '-o',
        'wide',
        '--field-selector',
        'spec.nodeName=aks-nodepool1-0',
      );
      expect([result.code, result.stderr]).toEqual([0, '']);
      expect(cells(result.stdout)).toEqual([
        [
          'NAMESPACE',
          'NAME',
          'READY',
          'STATUS',
          'RESTARTS',
          'AGE',
          'IP',
          'NODE',
          'NOMINATED NODE',
          'READINESS GATES',
        ],
        [
          'kube-system',
          'kube-proxy-x1',
          '1/1',
          'Running',
          '0',
          '125m',
          '10.224.0.4',
          'aks-nodepool1-0',
          '<none>',
          '<none>',
        ],
        [
          'shop',
          'checkout-5d8f7',
          '1/1',
          'Running',
          '0',
          '125m',
          '10.244.0.7',
          'aks-nodepool1-0',
          '<none>',
          '<none>',
        ],
        [
          'shop',
          'payments-6b8f9',
          '1/1',
          'Running',
          '0',
          '125m',
          '10.244.0.9',
          'aks-nodepool1-0',
          '<none>',
          '<none>',
        ],
      ]);
    });

    it('pages with --chunk-size and shows a completed pod as Completed', async () => {
      const result = await kubectl(
        'get',
        'pods',
        '-n',
        'jobs',
        '--chunk-size',
        '1',
        '-l',
        'suite',
        '--field-selector',
        'metadata.name=job-ok',
      );
      expect(cells(result.stdout)).toEqual([
        ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'],
        ['job-ok', '0/1', 'Completed', '0', '0s'],
      ]);
    });

    it('logs prints what the container wrote', async () => {
      const result = await kubectl('logs', '-n', 'jobs', 'job-ok');
      expect(result).toEqual({ code: 0, stdout: 'alpha\nbeta\ngamma\n', stderr: '' });
    });

    it('exec runs over the WebSocket protocol and passes the exit code on', async () => {
      // kubectl 1.30+ tries WebSocket (v5.channel.k8s.io) first and falls back to SPDY only when the upgrade fails.
      expect(await kubectl('exec', '-n', 'shop', 'checkout-5d8f7', '--', 'echo', 'hello')).toEqual({
        code: 0,
        stdout: 'hello\n',
        stderr: '',
      });
      expect(await kubectl('exec', '-n', 'shop', 'checkout-5d8f7', '--', 'ss', '-tn')).toEqual({
        code: 127,
        stdout: 'partial\n',
        stderr: 'ss: not found\ncommand terminated with exit code 127\n',
      });
    });
  });

  describe('with a bearer token', () => {
    let secured: SimKubeApiServer;
    let securedTls: SimKubeApiServer;

    beforeAll(async () => {
      secured = await startSimKubeApiServer({ nodes: NODES, pods: PODS, runtime, token: 's3cret' });
      securedTls = await startSimKubeApiServer({
        nodes: NODES,
        pods: PODS,
        runtime,
        token: 's3cret',
        tls: true,
      });
    });

    afterAll(async () => {
      await secured.close();
      await securedTls.close();
    });

    it('answers 401 Unauthorized without the token, or with another one', async () => {
      const anonymous = await fetch(`${secured.url}/api/v1/nodes`);
      expect([anonymous.status, await anonymous.json()]).toEqual([
        401,
        {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: 'Unauthorized',
          reason: 'Unauthorized',
          code: 401,
        },
      ]);
      const wrong = kubeConfigFor(secured, { token: 'guess' }).makeApiClient(CoreV1Api);
      expect((await failure(wrong.listNode())).code).toBe(401);
      const version = await fetch(`${secured.url}/version`);
      expect(version.status).toBe(401);
    });

    it('serves client-node with the token of its kubeconfig, REST and exec', async () => {
      const skc = kubeConfigFor(secured);
      expect((await skc.makeApiClient(CoreV1Api).listNode()).items).toHaveLength(3);
      expect((await execIn(skc, 'shop', 'cart-7c9d4', ['echo', 'ok'])).stdout).toBe('ok\n');
      await expect(
        execIn(kubeConfigFor(secured, { token: 'guess' }), 'shop', 'cart-7c9d4', ['echo']),
      ).rejects.toMatchObject({ message: 'Unexpected server response: 401' });
    });

    it('serves client-node over TLS with the certificate of its kubeconfig', async () => {
      expect(securedTls.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const skc = kubeConfigFor(securedTls);
      expect((await skc.makeApiClient(CoreV1Api).listNode()).items).toHaveLength(3);
      expect((await execIn(skc, 'shop', 'cart-7c9d4', ['echo', 'tls'])).stdout).toBe('tls\n');
    });

    it('serves kubectl with a token only over TLS', async () => {
      const file = join(tmp, 'kubeconfig-token');
      const kubectl = (...args: string[]) =>
        run('kubectl', ['--kubeconfig', file, '--cache-dir', join(tmp, 'cache-token'), ...args]);
      // client-go applies a kubeconfig's user credentials only to TLS transports: over plain http kubectl
      // sends no Authorization header at all, so a server that requires a token must serve TLS for kubectl.
      writeFileSync(file, secured.kubeconfig());
      const plain = await kubectl('get', 'nodes', '-o', 'name');
      expect(plain.code).toBe(1);
      expect(plain.stderr).toContain('You must be logged in to the server');
      writeFileSync(file, securedTls.kubeconfig());
      expect(await kubectl('get', 'nodes', '-o', 'name')).toEqual({
        code: 0,
        stdout: 'node/aks-nodepool1-0\nnode/aks-nodepool1-1\nnode/aks-userpool-0\n',
        stderr: '',
      });
    });
  });
});
