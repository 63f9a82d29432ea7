import { readFileSync } from 'fs';
import * as path from 'path';
import { InputError } from '../../src/core/errors';
import {
  findSandbox,
  parseCrictlPods,
  parseCrictlPs,
  type CrictlContainer,
  type PodSandbox,
} from '../../src/core/parse-crictl';
import { parseLsns } from '../../src/core/parse-lsns';
import { findShimSandboxId, parsePstree } from '../../src/core/parse-pstree';

const FIXTURES = path.join(__dirname, '../fixtures/correlation');
const fixture = (name: string): string => readFileSync(path.join(FIXTURES, name), 'utf8');

// The node of test/fixtures/correlation (README there), newest first as crictl sorts them.
const SANDBOXES: readonly PodSandbox[] = [
  {
    id: '3c822c7cf8aa79cb6b40cf65e88c4422c872308004498c3f3ff02a106241e1e8',
    name: 'report-builder-28641230-7xk2p',
    namespace: 'reports',
    uid: 'b5c3de6b-3996-46e2-93f6-31f8b54ec649',
    state: 'Ready',
  },
  {
    id: 'e412db1685a392dc4a6b035fe194c640ab5deb906b723cb233865a2d130fb051',
    name: 'checkout-5d8f7b9c4-x2x7q',
    namespace: 'shop',
    uid: '1d14a62d-d364-4099-a665-8197eb9c0d29',
    state: 'Ready',
  },
  {
    id: 'd72835aa679834c88a4fe7e13bc96c225a7465d0e8617282837431079a08b4c0',
    name: 'cart-7c9d6f5b8-4kq2n',
    namespace: 'shop',
    uid: '4da3596f-8c0d-45ac-8169-10b2e69bbdb7',
    state: 'Ready',
  },
  {
    id: '1abbbb91c32d5caa358d78040cee33241f2f24c91ba9ae61d4571bd260602408',
    name: 'checkout-5d8f7b9c4-9wz8m',
    namespace: 'shop',
    uid: '1061334d-9c0a-4b88-8a53-b5f78ccfae4f',
    state: 'NotReady',
  },
  {
    id: '9515f8c47783fd7b0159ceaaaf4065e553fa1b7f5c2d49376c499214ba46afb8',
    name: 'coredns-789789675-2xk9q',
    namespace: 'kube-system',
    uid: 'beac4134-9403-4195-b393-56b855f59c71',
    state: 'Ready',
  },
  {
    id: '58e1431ce8368c52525a72c6fba05e563d36caacf7dddda06ac7858d287ecd91',
    name: 'kube-proxy-8x7lz',
    namespace: 'kube-system',
    uid: '928dd387-897c-417a-86d1-c4020f332b07',
    state: 'Ready',
  },
];
/** What a table shows of the same sandboxes: 13-character IDs and no UID. */
const SANDBOX_ROWS = SANDBOXES.map((s) => ({ ...s, id: s.id.slice(0, 13), uid: null }));
const CHECKOUT = SANDBOXES[1] as PodSandbox;

const CONTAINERS: readonly CrictlContainer[] = [
  {
    id: '239894661c93c2f1840d108a458ec2515c081341f25063132a6ec6f4afc50d2f',
    name: 'report-builder',
    podSandboxId: '3c822c7cf8aa79cb6b40cf65e88c4422c872308004498c3f3ff02a106241e1e8',
    podName: 'report-builder-28641230-7xk2p',
    podNamespace: 'reports',
    state: 'Running',
    image: 'sha256:873f26382c1b1d62f1a97374cc0c0d0267fcbec5eedbd4cd41d83e85e11a9d8a',
  },
  {
    id: '250ba4c93fb1ad50a44baf3460f8eeb252e41ab90520d2676d9ad1df8eaa8050',
    name: 'cart',
    podSandboxId: 'd72835aa679834c88a4fe7e13bc96c225a7465d0e8617282837431079a08b4c0',
    podName: 'cart-7c9d6f5b8-4kq2n',
    podNamespace: 'shop',
    state: 'Running',
    image: 'sha256:1b27dbfa004155d3ae7bfebfa66e97e9a5552b934fd0dcc518bc98da53198730',
  },
  {
    id: 'eb36f772e5424d2ac303550f268c9a3ce2f146e73cf1da2acdc77f2766f65919',
    name: 'checkout',
    podSandboxId: 'e412db1685a392dc4a6b035fe194c640ab5deb906b723cb233865a2d130fb051',
    podName: 'checkout-5d8f7b9c4-x2x7q',
    podNamespace: 'shop',
    state: 'Running',
    image: 'sha256:00d7f8c99bb3405f77a404793951d4a045811fa01ce87f7af494530b462a64a0',
  },
  {
    id: '8c845d44616cb5eec5110331c42cfcbbcb9ad1351d1d4d5576877211938e0b2d',
    name: 'wait-for-redis',
    podSandboxId: 'd72835aa679834c88a4fe7e13bc96c225a7465d0e8617282837431079a08b4c0',
    podName: 'cart-7c9d6f5b8-4kq2n',
    podNamespace: 'shop',
    state: 'Exited',
    image: 'sha256:92eebb5e498abd04e02575ece3973f9609b4d9d8edfbfd2c9607e28006a11b4b',
  },
  {
    id: 'c7394e4f238d6fc6a2d070050fed593714d4256822b5c691f3482f3a916dec3a',
    name: 'checkout',
    podSandboxId: '1abbbb91c32d5caa358d78040cee33241f2f24c91ba9ae61d4571bd260602408',
    podName: 'checkout-5d8f7b9c4-9wz8m',
    podNamespace: 'shop',
    state: 'Exited',
    image: 'sha256:00d7f8c99bb3405f77a404793951d4a045811fa01ce87f7af494530b462a64a0',
  },
  {
    id: '5b30155333e4526d22f98d71df58ac486252e45c13bc053b6bd293537a78c553',
    name: 'coredns',
    podSandboxId: '9515f8c47783fd7b0159ceaaaf4065e553fa1b7f5c2d49376c499214ba46afb8',
    podName: 'coredns-789789675-2xk9q',
    podNamespace: 'kube-system',
    state: 'Running',
    image: 'sha256:f9d91047197a0fb89579337009f7314bcac12039a17b1c6321468c38ec7f4661',
  },
  {
    id: 'bb57d3baa21e823adc365c5e3b144d2cf3e87019e5fb145ca035d9a0303fba0b',
    name: 'kube-proxy',
    podSandboxId: '58e1431ce8368c52525a72c6fba05e563d36caacf7dddda06ac7858d287ecd91',
    podName: 'kube-proxy-8x7lz',
    podNamespace: 'kube-system',
    state: 'Running',
    image: 'sha256:39cfc07f47a13ff4b3acb13ef0ffc400950e1f1b0c79f35a54a053943c866619',
  },
];
/** What a table shows of the same containers: IDs and image IDs cut to 13 characters. */
const CONTAINER_ROWS = CONTAINERS.map((c) => ({
  ...c,
  id: c.id.slice(0, 13),
  podSandboxId: (c.podSandboxId as string).slice(0, 13),
  image: (c.image as string).slice('sha256:'.length, 'sha256:'.length + 13),
}));

describe('parseCrictlPods', () => {
  it.each([
    ['crictl-pods.json', 'full IDs and UIDs, SANDBOX_READY read as Ready', SANDBOXES],
    ['crictl-pods.txt', 'cells cut at the header offsets though CREATED says "14 minutes ago"', SANDBOX_ROWS],
  ])('reads %s (%s)', (name, _why, expected) => {
    expect(parseCrictlPods(fixture(name))).toEqual(expected);
  });

  it.each([
    ['Ready', 'Ready'],
    ['NotReady', 'NotReady'],
    ['SANDBOX_READY', 'Ready'],
    ['SANDBOX_NOTREADY', 'NotReady'],
  ])('normalises the table state %s to %s', (state, expected) => {
    const text =
      'POD ID              CREATED             STATE               NAME                            NAMESPACE\n' +
      `e412db1685a39       2 hours ago         ${state.padEnd(20)}checkout-5d8f7b9c4-x2x7q        shop\n`;
    expect(parseCrictlPods(text).map((s) => s.state)).toEqual([expected]);
  });

  it.each([
    ['SANDBOX_READY', 'Ready'],
    ['SANDBOX_NOTREADY', 'NotReady'],
  ])('normalises the JSON state %s to %s', (state, expected) => {
    const json = JSON.stringify({
      items: [
        { id: CHECKOUT.id, metadata: { name: CHECKOUT.name, namespace: 'shop', uid: '', attempt: 0 }, state },
      ],
    });
    expect(parseCrictlPods(json)).toEqual([{ ...CHECKOUT, uid: null, state: expected }]);
  });

  it.each([
    [
      'POD ID              CREATED             STATE               NAME                NAMESPACE           ATTEMPT             RUNTIME\n',
      'a header alone',
    ],
    ['{\n  "items": []\n}\n', 'an empty items array'],
    ['{}\n', 'protobuf JSON that left the empty array out'],
  ])('reads a node without pods: %j (%s)', (text, _why) => {
    expect(parseCrictlPods(text)).toEqual([]);
  });

  it('skips the log lines crictl writes when stderr was captured too', () => {
    const text =
      'WARN[0000] runtime connect using default endpoints: [unix:///var/run/dockershim.sock unix:///run/containerd/containerd.sock]. As the default settings are now deprecated, you should set the endpoint instead.\n' +
      fixture('crictl-pods.txt');
    expect(parseCrictlPods(text)).toEqual(SANDBOX_ROWS);
  });
});

describe('parseCrictlPs', () => {
  it.each([
    ['crictl-ps-a.json', CONTAINERS],
    ['crictl-ps-a-namespace.txt', CONTAINER_ROWS],
    ['crictl-ps-a.txt', CONTAINER_ROWS.map((c) => ({ ...c, podNamespace: null }))],
    ['crictl-ps-a-old.txt', CONTAINER_ROWS.map((c) => ({ ...c, podName: null, podNamespace: null }))],
  ])('reads %s: what its columns say, null for what they do not', (name, expected) => {
    expect(parseCrictlPs(fixture(name))).toEqual(expected);
  });

  it('reads a table without a POD ID column with podSandboxId null', () => {
    const text =
      'CONTAINER ID        IMAGE               CREATED             STATE               NAME                ATTEMPT\n' +
      'eb36f772e5424       00d7f8c99bb34       2 hours ago         Running             checkout            0\n';
    expect(parseCrictlPs(text)).toEqual([
      {
        id: 'eb36f772e5424',
        name: 'checkout',
        podSandboxId: null,
        podName: null,
        podNamespace: null,
        state: 'Running',
        image: '00d7f8c99bb34',
      },
    ]);
  });

  it("reads crictl's 'unknown' pod name and namespace (labels missing) as null", () => {
    const text =
      'CONTAINER           IMAGE               CREATED             STATE               NAME                ATTEMPT             POD ID              POD                 NAMESPACE\n' +
      'eb36f772e5424       00d7f8c99bb34       2 hours ago         Running             checkout            0                   e412db1685a39       unknown             unknown\n';
    expect(parseCrictlPs(text).map((c) => [c.podName, c.podNamespace])).toEqual([[null, null]]);
  });

  it.each([
    ['CONTAINER_CREATED', 'Created'],
    ['CONTAINER_RUNNING', 'Running'],
    ['CONTAINER_EXITED', 'Exited'],
    ['CONTAINER_UNKNOWN', 'Unknown'],
    ['Created', 'Created'],
    ['Unknown', 'Unknown'],
  ])('normalises the state %s to %s', (state, expected) => {
    const json = JSON.stringify({
      containers: [
        { id: 'eb36f772e5424d2a', podSandboxId: CHECKOUT.id, metadata: { name: 'checkout' }, state },
      ],
    });
    expect(parseCrictlPs(json)).toEqual([
      {
        id: 'eb36f772e5424d2a',
        name: 'checkout',
        podSandboxId: CHECKOUT.id,
        podName: null,
        podNamespace: null,
        state: expected,
        image: null,
      },
    ]);
  });

  it('takes the container name from its label and the image from imageRef when the fields are empty', () => {
    const json = JSON.stringify({
      containers: [
        {
          id: 'eb36f772e5424d2a',
          podSandboxId: '',
          metadata: { name: '', attempt: 0 },
          image: { image: '' },
          imageRef: 'mcr.microsoft.com/oss/kubernetes/pause@sha256:0123',
          state: 'CONTAINER_RUNNING',
          labels: { 'io.kubernetes.container.name': 'checkout' },
        },
      ],
    });
    expect(parseCrictlPs(json)).toEqual([
      {
        id: 'eb36f772e5424d2a',
        name: 'checkout',
        podSandboxId: null,
        podName: null,
        podNamespace: null,
        state: 'Running',
        image: 'mcr.microsoft.com/oss/kubernetes/pause@sha256:0123',
      },
    ]);
  });
});

describe('crictl: text that is not its output', () => {
  const rejected: [(text: string) => unknown, string, string][] = [
    [parseCrictlPods, '', 'not crictl pods output: the text is empty'],
    [
      parseCrictlPods,
      'CONTAINER           IMAGE               CREATED             STATE               NAME\n',
      'not crictl pods output: the first line is not a crictl pods header (POD ID ... STATE NAME NAMESPACE): "CONTAINER           IMAGE               CREATED             STATE               NAME"',
    ],
    [
      parseCrictlPods,
      'POD ID              CREATED             STATE               NAME                NAMESPACE\n' +
        'e412db1685a39       2 hours ago         Pending             checkout-x          shop\n',
      'not crictl pods output: line 2 STATE is not a sandbox state: "Pending"',
    ],
    [
      parseCrictlPods,
      'POD ID              CREATED             STATE               NAME                NAMESPACE\n' +
        'e412 db1685a39      2 hours ago         Ready               checkout-x          shop\n',
      'not crictl pods output: line 2 POD ID is not an ID: "e412 db1685a39"',
    ],
    [
      parseCrictlPods,
      'POD ID              CREATED             STATE               NAME                NAMESPACE\n' +
        'e412db1685a39       2 hours ago         Ready               checkout-x\n',
      'not crictl pods output: line 2 NAMESPACE is missing',
    ],
    [parseCrictlPods, '{"containers": []}', 'not crictl pods -o json output: no "items" array'],
    [
      parseCrictlPods,
      '{"items": [{"id": "e412db1685a39"}]}',
      'not crictl pods -o json output: items[0].metadata is not an object',
    ],
    [
      parseCrictlPods,
      '{"items": [{"id": "e412db1685a39", "metadata": {"name": "x", "namespace": 7}, "state": "SANDBOX_READY"}]}',
      'not crictl pods -o json output: items[0].metadata.namespace is not a string',
    ],
    [
      parseCrictlPs,
      'lorem ipsum\n',
      'not crictl ps -a output: the first line is not a crictl ps -a header (CONTAINER or CONTAINER ID ... STATE NAME): "lorem ipsum"',
    ],
    [
      parseCrictlPs,
      'CONTAINER           IMAGE               CREATED             STATE               NAME\n' +
        'eb36f772e5424       00d7f8c99bb34       2 hours ago         Paused              checkout\n',
      'not crictl ps -a output: line 2 STATE is not a container state: "Paused"',
    ],
    [parseCrictlPs, '{"items": []}', 'not crictl ps -a -o json output: no "containers" array'],
    [
      parseCrictlPs,
      '{"containers": [{"id": "EB36F772", "metadata": {"name": "x"}, "state": "CONTAINER_RUNNING"}]}',
      'not crictl ps -a -o json output: containers[0].id is not an ID: "EB36F772"',
    ],
    [
      parseCrictlPs,
      '{"containers": [{"id": "eb36f772", "metadata": {}, "state": "CONTAINER_RUNNING"}]}',
      'not crictl ps -a -o json output: containers[0].metadata.name is missing',
    ],
    [
      parseCrictlPs,
      '[]',
      'not crictl ps -a output: the first line is not a crictl ps -a header (CONTAINER or CONTAINER ID ... STATE NAME): "[]"',
    ],
  ];
  it.each(rejected.map(([parse, text, message]) => [message, parse, text] as const))(
    'throws an InputError saying %j',
    (message, parse, text) => {
      expect(() => parse(text)).toThrow(InputError);
      expect(() => parse(text)).toThrow(message);
    },
  );

  it('rejects JSON that does not parse, keeping the parser error as the cause', () => {
    let error: unknown;
    try {
      parseCrictlPs('{"containers": [');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toMatch(/^not crictl ps -a -o json output: /);
    expect((error as InputError).cause).toBeInstanceOf(SyntaxError);
  });
});

describe('the runbook walk over the fixtures: netns -> lsns PID -> pstree shim -> crictl pod', () => {
  it('names the pod of every pod network namespace and nobody for the host ones', () => {
    const namespaces = parseLsns(fixture('lsns-t-net.txt'));
    const tree = parsePstree(fixture('pstree-aps-1.txt'));
    const sandboxes = parseCrictlPods(fixture('crictl-pods.txt'));
    const owners = namespaces.map((ns) => {
      const sandboxId = findShimSandboxId(tree, ns.pid);
      const sandbox = sandboxId === null ? null : findSandbox(sandboxes, sandboxId);
      return [ns.ns, sandbox === null ? null : `${sandbox.namespace}/${sandbox.name}`];
    });
    expect(owners).toEqual([
      [4026532179, null],
      [4026532524, null],
      [4026532248, 'kube-system/coredns-789789675-2xk9q'],
      [4026532317, 'shop/checkout-5d8f7b9c4-x2x7q'],
      [4026532386, 'shop/cart-7c9d6f5b8-4kq2n'],
      [4026532455, 'reports/report-builder-28641230-7xk2p'],
    ]);
  });
});

describe('findSandbox', () => {
  const fromJson = parseCrictlPods(fixture('crictl-pods.json'));
  const fromTable = parseCrictlPods(fixture('crictl-pods.txt'));

  const TRUNCATED = { ...CHECKOUT, id: 'e412db1685a39', uid: null };

  it.each([
    ['JSON sandboxes, the full ID: that sandbox', fromJson, CHECKOUT.id, CHECKOUT],
    [
      'JSON sandboxes, 13 characters of an ID: null, only the sandbox side may be cut',
      fromJson,
      'e412db1685a39',
      null,
    ],
    ['JSON sandboxes, an unknown ID: null', fromJson, '0'.repeat(64), null],
    [
      'table sandboxes, the full ID: the one whose 13 characters prefix it',
      fromTable,
      CHECKOUT.id,
      TRUNCATED,
    ],
    ['table sandboxes, the 13 characters themselves: that sandbox', fromTable, 'e412db1685a39', TRUNCATED],
    ['table sandboxes, an unknown ID: null', fromTable, '0'.repeat(64), null],
  ])('finds in %s', (_case, sandboxes, id, expected) => {
    expect(findSandbox(sandboxes, id)).toEqual(expected);
  });

  it('gives null when two sandboxes are prefixes of the ID', () => {
    const ambiguous: PodSandbox[] = [
      { ...CHECKOUT, id: 'e412db1685a39' },
      { ...CHECKOUT, id: 'e412db16', name: 'other' },
    ];
    expect(findSandbox(ambiguous, CHECKOUT.id)).toBeNull();
  });

  it('prefers the exact ID to a prefix of it', () => {
    const both: PodSandbox[] = [{ ...CHECKOUT, id: 'e412db1685a39', name: 'truncated' }, CHECKOUT];
    expect(findSandbox(both, CHECKOUT.id)).toBe(CHECKOUT);
  });

  it('never matches a sandbox with an empty ID', () => {
    expect(findSandbox([{ ...CHECKOUT, id: '' }], CHECKOUT.id)).toBeNull();
  });
});
