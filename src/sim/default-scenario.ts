/**
 * The demo's built-in scenario: three nodes of `aks-demo`; the alerting node (10.224.0.4) holds one clear
 * culprit, shop/checkout-5d8f7, which keeps 300 connections open to a public API and opens 40 more a second,
 * beside pods that look busy but talk only to private and platform addresses, a hostNetwork kube-proxy with
 * a little public traffic of its own, a distroless pod and a pod with a sidecar.
 *
 * Written in normalised form (every default filled), so it is a Scenario as it stands; a test checks that
 * parseScenario gives it back unchanged.
 */
import { API_SERVER_IP } from './node-sockets';
import type { Scenario, ScenarioContainer, ScenarioPod } from './scenario';

const TOOLS: ScenarioContainer['tools'] = ['netstat', 'ss', 'cat'];
const API_SERVER = `${API_SERVER_IP}:443`;

function kubeProxy(name: string): ScenarioPod {
  return {
    namespace: 'kube-system',
    name,
    ips: [],
    hostNetwork: true,
    containers: [
      {
        name: 'kube-proxy',
        tools: ['cat'],
        image: 'mcr.microsoft.com/oss/kubernetes/kube-proxy:v1.29.2',
        command: [
          'kube-proxy',
          '--conntrack-max-per-core=0',
          '--metrics-bind-address=0.0.0.0:10249',
          '--cluster-cidr=10.244.0.0/16',
          '--kubeconfig=/var/lib/kubelet/kubeconfig',
        ],
      },
    ],
    traffic: [
      { to: API_SERVER, connectsPerSecond: 0.5, established: 2, container: 'kube-proxy', socket: 'ipv4' },
    ],
  };
}

export const DEFAULT_SCENARIO: Scenario = {
  cluster: {
    subscriptionId: '00000000-0000-0000-0000-000000000000',
    resourceGroup: 'rg-demo',
    name: 'aks-demo',
    location: 'eastus',
    aadEnabled: true,
    outbound: {
      type: 'loadBalancer',
      managedOutboundIPs: 1,
      allocatedOutboundPorts: 0,
      idleTimeoutMinutes: 30,
    },
  },
  seed: 42,
  traceSeconds: 2,
  extraNodes: 0,
  nodes: [
    {
      name: 'aks-nodepool1-12345678-vmss000000',
      ip: '10.224.0.4',
      os: 'linux',
      image: 'ubuntu2204',
      fillerPods: 0,
      pods: [
        kubeProxy('kube-proxy-x7k2p'),
        {
          namespace: 'shop',
          name: 'checkout-5d8f7',
          ip: '10.244.1.7',
          ips: ['10.244.1.7'],
          hostNetwork: false,
          containers: [
            {
              name: 'checkout',
              tools: TOOLS,
              image: 'contoso.azurecr.io/shop/checkout:2.4.1',
              command: ['java', '-Xmx512m', '-jar', '/app/checkout.jar'],
            },
          ],
          traffic: [
            {
              to: '20.50.2.10:443',
              connectsPerSecond: 40,
              established: 300,
              container: 'checkout',
              socket: 'ipv4',
            },
            {
              to: '52.239.148.100:443',
              connectsPerSecond: 3,
              established: 12,
              container: 'checkout',
              socket: 'ipv4',
            },
            {
              to: '10.0.0.5:5432',
              connectsPerSecond: 1,
              established: 10,
              container: 'checkout',
              socket: 'ipv4',
            },
          ],
        },
        {
          namespace: 'shop',
          name: 'cart-7c9d4',
          ip: '10.244.1.9',
          ips: ['10.244.1.9'],
          hostNetwork: false,
          containers: [
            {
              name: 'cart',
              tools: TOOLS,
              image: 'contoso.azurecr.io/shop/cart:1.9.0',
              command: ['node', '/usr/src/app/server.js'],
            },
          ],
          traffic: [
            {
              to: '10.0.0.5:5432',
              connectsPerSecond: 60,
              established: 200,
              container: 'cart',
              socket: 'ipv4',
            },
            {
              to: '168.63.129.16:80',
              connectsPerSecond: 5,
              established: 4,
              container: 'cart',
              socket: 'ipv4',
            },
            {
              to: '169.254.169.254:80',
              connectsPerSecond: 4,
              established: 2,
              container: 'cart',
              socket: 'ipv4',
            },
          ],
        },
        {
          namespace: 'shop',
          name: 'payments-6b9f2',
          ip: '10.244.1.12',
          ips: ['10.244.1.12'],
          hostNetwork: false,
          containers: [
            {
              name: 'payments',
              tools: [],
              image: 'contoso.azurecr.io/shop/payments:3.0.2',
              command: ['/payments', '--listen=:8080'],
            },
          ],
          traffic: [
            {
              to: '40.126.32.134:443',
              connectsPerSecond: 4,
              established: 25,
              container: 'payments',
              socket: 'ipv4',
            },
            {
              to: '10.0.0.5:5432',
              connectsPerSecond: 2,
              established: 8,
              container: 'payments',
              socket: 'ipv4',
            },
          ],
        },
        {
          namespace: 'shop',
          name: 'frontend-8c7d5',
          ip: '10.244.1.15',
          ips: ['10.244.1.15'],
          hostNetwork: false,
          containers: [
            {
              name: 'web',
              tools: TOOLS,
              image: 'contoso.azurecr.io/shop/frontend:5.2.0',
              command: ['nginx', '-g', 'daemon off;'],
            },
            {
              name: 'envoy',
              tools: ['cat'],
              image: 'mcr.microsoft.com/oss/envoyproxy/envoy:v1.29.1',
              command: ['/usr/local/bin/envoy', '-c', '/etc/envoy/envoy.yaml'],
            },
          ],
          traffic: [
            {
              to: '10.0.0.20:8080',
              connectsPerSecond: 10,
              established: 30,
              container: 'web',
              socket: 'ipv4',
            },
            {
              to: '13.107.42.14:443',
              connectsPerSecond: 6,
              established: 20,
              container: 'envoy',
              socket: 'ipv4',
            },
          ],
        },
      ],
    },
    {
      name: 'aks-nodepool1-12345678-vmss000001',
      ip: '10.224.0.5',
      os: 'linux',
      image: 'ubuntu2204',
      fillerPods: 0,
      pods: [
        kubeProxy('kube-proxy-m8z4r'),
        {
          namespace: 'shop',
          name: 'catalog-84bd9',
          ip: '10.244.2.5',
          ips: ['10.244.2.5'],
          hostNetwork: false,
          containers: [
            {
              name: 'catalog',
              tools: TOOLS,
              image: 'contoso.azurecr.io/shop/catalog:1.3.7',
              command: ['python3', '-m', 'gunicorn', 'catalog.wsgi'],
            },
          ],
          traffic: [
            {
              to: '20.50.2.10:443',
              connectsPerSecond: 2,
              established: 15,
              container: 'catalog',
              socket: 'ipv4',
            },
            {
              to: '10.0.0.5:5432',
              connectsPerSecond: 3,
              established: 20,
              container: 'catalog',
              socket: 'ipv4',
            },
          ],
        },
      ],
    },
    {
      name: 'aks-nodepool1-12345678-vmss000002',
      ip: '10.224.0.6',
      os: 'linux',
      image: 'ubuntu2204',
      fillerPods: 0,
      pods: [
        kubeProxy('kube-proxy-q2w9t'),
        {
          namespace: 'reports',
          name: 'report-builder-5f6d7',
          ip: '10.244.3.8',
          ips: ['10.244.3.8'],
          hostNetwork: false,
          containers: [
            {
              name: 'report-builder',
              tools: TOOLS,
              image: 'contoso.azurecr.io/reports/report-builder:0.8.0',
              command: ['java', '-jar', '/app/report-builder.jar'],
            },
          ],
          traffic: [
            {
              to: '10.0.0.5:5432',
              connectsPerSecond: 1,
              established: 5,
              container: 'report-builder',
              socket: 'ipv4',
            },
          ],
        },
      ],
    },
  ],
};
