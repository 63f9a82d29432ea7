import type { V1Pod } from '@kubernetes/client-node';
import { InputError } from '../../src/core/errors';
import { decodeContinue, encodeContinue, paginate, parseLimit } from '../../src/sim/kube-list';
import { POD_RESOURCE } from '../../src/sim/kube-resources';
import { matchRoute, queryFlag } from '../../src/sim/kube-routes';
import { KubeStore, type StoreEvent } from '../../src/sim/kube-store';
import { viewEvent } from '../../src/sim/kube-watch';

const pod = (namespace: string, name: string, labels: Record<string, string> = {}): V1Pod => ({
  metadata: { namespace, name, labels },
  spec: { containers: [{ name: 'c', image: 'i' }] },
});

describe('paginate', () => {
  const keys = ['c', 'a', 'e', 'b', 'd'];
  const page = (limit: number | undefined, token?: string) =>
    paginate(
      keys,
      (k) => k,
      { ...(limit === undefined ? {} : { limit }), ...(token === undefined ? {} : { continueToken: token }) },
      7,
      true,
    );

  it('gives everything in key order without a limit, and no token', () => {
    expect(page(undefined)).toEqual({ items: ['a', 'b', 'c', 'd', 'e'] });
  });

  it('walks pages of `limit` with continue tokens that name the last key and the resourceVersion', () => {
    const first = page(2);
    expect([first.items, first.remainingItemCount]).toEqual([['a', 'b'], 3]);
    expect(decodeContinue(first.continueToken ?? '')).toEqual({ resourceVersion: 7, start: 'b\u0000' });
    const second = page(2, first.continueToken);
    expect([second.items, second.remainingItemCount]).toEqual([['c', 'd'], 1]);
    expect(page(2, second.continueToken)).toEqual({ items: ['e'] });
  });

  it('gives a last page of exactly `limit` items without a token', () => {
    expect(page(5)).toEqual({ items: ['a', 'b', 'c', 'd', 'e'] });
  });

  it('uses the layout of the real continue token', () => {
    const token = encodeContinue({ resourceVersion: 12, start: 'ns/p\u0000' });
    expect(JSON.parse(Buffer.from(token, 'base64url').toString('utf8'))).toEqual({
      v: 'meta.k8s.io/v1',
      rv: 12,
      start: 'ns/p\u0000',
    });
  });

  it.each([['not-base64-json'], [Buffer.from('{"v":"x","rv":1,"start":"a"}').toString('base64url')], ['']])(
    'refuses the token %p',
    (token) => {
      expect(() => decodeContinue(token)).toThrow(InputError);
    },
  );
});

describe('parseLimit', () => {
  it.each([
    [null, undefined],
    ['', undefined],
    ['0', undefined],
    ['100', 100],
  ])('%p -> %p', (text, expected) => {
    expect(parseLimit(text)).toBe(expected);
  });

  it.each([['-1'], ['1.5'], ['ten']])('refuses %p', (text) => {
    expect(() => parseLimit(text)).toThrow(InputError);
  });
});

describe('matchRoute', () => {
  it.each([
    ['/version', { kind: 'version' }],
    ['/api/', { kind: 'api' }],
    ['/api/v1', { kind: 'coreV1' }],
    ['/api/v1/nodes', { kind: 'collection', resource: 'nodes' }],
    ['/api/v1/nodes/aks-1', { kind: 'object', resource: 'nodes', name: 'aks-1' }],
    ['/api/v1/pods', { kind: 'collection', resource: 'pods' }],
    ['/api/v1/namespaces', { kind: 'collection', resource: 'namespaces' }],
    ['/api/v1/namespaces/shop', { kind: 'object', resource: 'namespaces', name: 'shop' }],
    ['/api/v1/namespaces/shop/pods', { kind: 'collection', resource: 'pods', namespace: 'shop' }],
    ['/api/v1/namespaces/shop/pods/p', { kind: 'object', resource: 'pods', namespace: 'shop', name: 'p' }],
    ['/api/v1/namespaces/shop/pods/p/log', { kind: 'log', namespace: 'shop', name: 'p' }],
    ['/api/v1/namespaces/shop/pods/p/exec', { kind: 'exec', namespace: 'shop', name: 'p' }],
    ['/api/v1/namespaces/shop/pods/p/attach', undefined],
    ['/api/v1/namespaces/shop/services', undefined],
    ['/api/v1/nodes/aks-1/proxy', undefined],
    ['/api/v2/nodes', undefined],
    ['/api/v1/namespaces//pods', undefined],
    ['/api/v1/namespaces/%E0%A4%A/pods', undefined],
  ])('%s', (path, expected) => {
    expect(matchRoute(path)).toEqual(expected);
  });
});

describe('queryFlag reads booleans as Go does', () => {
  it.each([
    ['true', true],
    ['1', true],
    ['T', true],
    ['false', false],
    ['yes', false],
    [null, false],
  ])('%p -> %p', (text, expected) => {
    expect(queryFlag(text)).toBe(expected);
  });
});

describe('KubeStore', () => {
  it('stamps every write with the next resourceVersion and tells subscribers', () => {
    const store = new KubeStore();
    const events: string[] = [];
    store.subscribe((e) => events.push(`${e.type} ${e.object.metadata?.name} ${e.resourceVersion}`));
    const added = store.pods.add(pod('a', 'one'));
    store.pods.update('a/one', (p) => ({ ...p, status: { phase: 'Running' } }));
    const removed = store.pods.remove('a/one');
    expect([added.metadata?.resourceVersion, removed?.metadata?.resourceVersion]).toEqual(['2', '4']);
    expect(events).toEqual(['ADDED one 2', 'MODIFIED one 3', 'DELETED one 4']);
    expect(store.eventsSince(2)?.map((e) => e.type)).toEqual(['MODIFIED', 'DELETED']);
  });

  it('refuses a second object of the same key with 409', () => {
    const store = new KubeStore();
    store.pods.add(pod('a', 'one'));
    expect(() => store.pods.add(pod('a', 'one'))).toThrow('pods "one" already exists');
  });

  it('hands out copies: changing one does not change the store', () => {
    const store = new KubeStore();
    store.pods.add(pod('a', 'one', { app: 'x' }));
    const copy = store.pods.get('a/one');
    if (copy?.metadata?.labels !== undefined) copy.metadata.labels.app = 'changed';
    expect(store.pods.get('a/one')?.metadata?.labels).toEqual({ app: 'x' });
  });

  it('lists by namespace and selectors, counting what remains only without selectors', () => {
    const store = new KubeStore();
    for (const [ns, name, app] of [
      ['a', 'p1', 'x'],
      ['a', 'p2', 'y'],
      ['b', 'p3', 'x'],
      ['b', 'p4', 'x'],
    ] as const) {
      store.pods.add(pod(ns, name, { app }));
    }
    expect(store.pods.list({ namespace: 'a' }).items.map((p) => p.metadata?.name)).toEqual(['p1', 'p2']);
    const selected = store.pods.list({ labelSelector: 'app=x', limit: 1 });
    expect([selected.items.map((p) => p.metadata?.name), selected.remainingItemCount]).toEqual([
      ['p1'],
      undefined,
    ]);
    expect(store.pods.list({ limit: 3 }).remainingItemCount).toBe(1);
  });
});

describe('viewEvent: a watch with a selector', () => {
  const running = { ...pod('a', 'p'), status: { phase: 'Running' } };
  const done = { ...pod('a', 'p'), status: { phase: 'Succeeded' } };
  const selects = (p: V1Pod) => p.status?.phase === 'Running';
  const modified = (object: V1Pod, previous: V1Pod): StoreEvent => ({
    type: 'MODIFIED',
    resource: 'pods',
    object,
    previous,
    resourceVersion: 5,
  });

  it.each([
    ['enters the selection: ADDED', modified(running, done), 'ADDED'],
    ['leaves it: DELETED', modified(done, running), 'DELETED'],
    ['stays in it: MODIFIED', modified(running, running), 'MODIFIED'],
    ['stays out of it: nothing', modified(done, done), undefined],
  ])('an object that %s', (_what, event, expected) => {
    expect(viewEvent(event, POD_RESOURCE, selects)?.type).toBe(expected);
  });

  it('ignores events of other resources', () => {
    const event: StoreEvent = {
      type: 'ADDED',
      resource: 'nodes',
      object: { metadata: { name: 'n' } },
      resourceVersion: 2,
    };
    expect(viewEvent(event, POD_RESOURCE, () => true)).toBeUndefined();
  });
});
