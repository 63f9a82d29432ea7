import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';

describe('@kubernetes/client-node under jest', () => {
  it('loads, and builds an API client from a kubeconfig', () => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'sim', server: 'http://127.0.0.1:1', skipTLSVerify: true }],
      users: [{ name: 'u', token: 't' }],
      contexts: [{ name: 'c', cluster: 'sim', user: 'u' }],
      currentContext: 'c',
    });
    expect(kc.makeApiClient(CoreV1Api)).toBeInstanceOf(CoreV1Api);
  });
});
