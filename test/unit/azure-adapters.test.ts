import { createHttpHeaders, createPipelineRequest, RestError } from '@azure/core-rest-pipeline';
import { outboundOf } from '../../src/adapters/azure/aks-cluster';
import {
  AzureAuthError,
  AzureError,
  AzureNotFoundError,
  AzureThrottledError,
  toAzureError,
} from '../../src/adapters/azure/errors';
import { withBearerToken } from '../../src/adapters/azure/kubeconfig-token';
import { parseResourceId } from '../../src/core/resource-id';
import { InputError, NotFoundError } from '../../src/core/errors';

function restError(status: number, code: string, headers: Record<string, string> = {}): RestError {
  const request = createPipelineRequest({ url: 'https://management.azure.com/x' });
  return new RestError(`service says ${code}`, {
    statusCode: status,
    code,
    request,
    response: { status, headers: createHttpHeaders(headers), request },
  });
}

describe('toAzureError', () => {
  it.each([
    [404, 'ResourceNotFound', AzureNotFoundError],
    [401, 'InvalidAuthenticationToken', AzureAuthError],
    [403, 'AuthorizationFailed', AzureAuthError],
    [429, 'TooManyRequests', AzureThrottledError],
    [500, 'InternalServerError', AzureError],
  ])('maps HTTP %i to its own type, keeping the SDK error as cause', (status, code, type) => {
    const cause = restError(status, code);
    const error = toAzureError('get managed cluster rg/aks', cause);
    expect(error).toBeInstanceOf(type);
    expect(error).toMatchObject({
      name: type.name,
      status,
      code,
      message: `get managed cluster rg/aks failed (HTTP ${status} ${code}): service says ${code}`,
      cause,
    });
  });

  it('a 404 is a NotFoundError like any other', () => {
    expect(toAzureError('x', restError(404, 'ResourceNotFound'))).toBeInstanceOf(NotFoundError);
  });

  it.each([
    ['17', 17],
    ['soon', null],
  ])('reads Retry-After %s of a 429', (header, seconds) => {
    const error = toAzureError('read metrics', restError(429, 'TooManyRequests', { 'retry-after': header }));
    expect((error as AzureThrottledError).retryAfterSeconds).toBe(seconds);
  });

  it("turns a credential's failure into an auth error without its message", () => {
    const cause = Object.assign(new Error('EnvironmentCredential is unavailable'), {
      name: 'CredentialUnavailableError',
    });
    const error = toAzureError('list user credentials of rg/aks', cause);
    expect(error).toBeInstanceOf(AzureAuthError);
    expect(error).toMatchObject({
      status: null,
      message:
        'list user credentials of rg/aks failed: no token from the credential (CredentialUnavailableError)',
    });
  });

  it('leaves a bug as it is', () => {
    const bug = new TypeError('x is undefined');
    expect(toAzureError('x', bug)).toBe(bug);
  });
});

describe('outboundOf', () => {
  it.each([
    [
      'no profile: Azure defaults',
      undefined,
      { type: 'loadBalancer', outboundIps: 1, allocatedOutboundPorts: 0, idleTimeoutMinutes: 30 },
    ],
    [
      'managed IPs',
      {
        outboundType: 'loadBalancer',
        loadBalancerProfile: {
          managedOutboundIPs: { count: 3 },
          allocatedOutboundPorts: 2048,
          idleTimeoutInMinutes: 10,
        },
      },
      { type: 'loadBalancer', outboundIps: 3, allocatedOutboundPorts: 2048, idleTimeoutMinutes: 10 },
    ],
    [
      'own public IPs win over the managed count',
      {
        loadBalancerProfile: {
          managedOutboundIPs: { count: 1 },
          outboundIPs: { publicIPs: [{ id: 'a' }, { id: 'b' }] },
        },
      },
      { type: 'loadBalancer', outboundIps: 2, allocatedOutboundPorts: 0, idleTimeoutMinutes: 30 },
    ],
    [
      'prefixes: the effective IPs',
      {
        loadBalancerProfile: {
          outboundIPPrefixes: { publicIPPrefixes: [{ id: 'p' }] },
          effectiveOutboundIPs: [{ id: 'a' }, { id: 'b' }, { id: 'c' }],
        },
      },
      { type: 'loadBalancer', outboundIps: 3, allocatedOutboundPorts: 0, idleTimeoutMinutes: 30 },
    ],
    [
      'managed NAT gateway',
      { outboundType: 'managedNATGateway', natGatewayProfile: { managedOutboundIPProfile: { count: 2 } } },
      { type: 'managedNATGateway', outboundIps: 2, allocatedOutboundPorts: 0, idleTimeoutMinutes: 4 },
    ],
    [
      'user-defined routing has no load balancer IPs',
      { outboundType: 'userDefinedRouting' },
      { type: 'userDefinedRouting', outboundIps: 0, allocatedOutboundPorts: 0, idleTimeoutMinutes: 30 },
    ],
  ] as const)('%s', (_, network, expected) => {
    expect(outboundOf(network as Parameters<typeof outboundOf>[0])).toEqual(expected);
  });
});

describe('withBearerToken', () => {
  it('refuses a kubeconfig with no kubelogin user rather than returning one that cannot log in', () => {
    const kubeconfig = 'users:\n  - name: u\n    user:\n      token: abc\n';
    expect(() => withBearerToken(kubeconfig, 't')).toThrow(AzureError);
  });

  it('keeps comments and the users it does not own', () => {
    const kubeconfig = [
      '# from az aks get-credentials',
      'users:',
      '  - name: other',
      '    user:',
      '      token: keep-me',
      '  - name: aad',
      '    user:',
      '      exec:',
      '        command: /usr/local/bin/kubelogin',
      '        args: [get-token]',
      '',
    ].join('\n');
    expect(withBearerToken(kubeconfig, 'fresh')).toBe(
      [
        '# from az aks get-credentials',
        'users:',
        '  - name: other',
        '    user:',
        '      token: keep-me',
        '  - name: aad',
        '    user:',
        '      token: fresh',
        '',
      ].join('\n'),
    );
  });
});

describe('parseResourceId', () => {
  it('reads a cluster ID whatever the case of its fixed segments', () => {
    expect(
      parseResourceId(
        '/subscriptions/s-1/resourcegroups/Rg.(1)/providers/microsoft.containerservice/MANAGEDCLUSTERS/aks-1',
        'Microsoft.ContainerService/managedClusters',
      ),
    ).toEqual({ subscriptionId: 's-1', resourceGroup: 'Rg.(1)', name: 'aks-1' });
  });

  it.each([
    '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/kubernetes',
    '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks/extra',
    'subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks',
    '/subscriptions/s/resourceGroups/rg%2F..%2F/providers/Microsoft.ContainerService/managedClusters/aks',
  ])('refuses %s as a cluster ID', (id) => {
    expect(() => parseResourceId(id, 'Microsoft.ContainerService/managedClusters')).toThrow(InputError);
  });
});
