/**
 * `npm run bench -- trace`: a 600 s trace at 10,000 connects/s (the figure), through the whole
 * responder: the debug pod on the simulated node writes tcptracer's output to its file (the node's clock
 * compressed), collectTrace streams it out by exec into the aggregator and the archive. Every event the
 * node's tracer printed must be counted, and the responder's memory must not grow with the trace.
 */
import { fork } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DirectoryArchive } from '../src/adapters/archive/directory-archive';
import { AzureAccess } from '../src/adapters/azure/azure-access';
import { KubeAccess } from '../src/adapters/kube/kube-access';
import { DEFAULT_SCENARIO } from '../src/sim/default-scenario';
import type { TracerRecord } from '../src/sim/node-model';
import type { Scenario } from '../src/sim/scenario';
import { simCredential } from '../src/sim/sim-credential';
import { SIM_DEBUG_NAMESPACE } from '../src/sim/sim-namespace';
import { investigate } from '../src/workflow/local-driver';

const CONNECTS_PER_SECOND = 10_000;
const TRACE_SECONDS = 600;
/** The node's clock against the wall clock: 600 s of tracing in 30 s. */
const CLOCK_SCALE = 20;

interface Endpoints {
  readonly token: string;
  readonly armEndpoint: string;
  readonly armCa: string;
  readonly clusterId: string;
  readonly alertNodeIp: string;
}

function scenario(): Scenario {
  const [node] = DEFAULT_SCENARIO.nodes;
  if (node === undefined) throw new Error('the built-in scenario has no node');
  return {
    ...DEFAULT_SCENARIO,
    nodes: [
      {
        ...node,
        pods: [
          {
            namespace: 'load',
            name: 'burst-7d9f4',
            ip: '10.244.1.30',
            ips: ['10.244.1.30'],
            hostNetwork: false,
            containers: [
              {
                name: 'client',
                tools: ['cat'],
                image: 'example.azurecr.io/load/client:1.0.0',
                command: ['/client'],
              },
            ],
            traffic: [
              {
                to: '20.50.2.10:443',
                connectsPerSecond: CONNECTS_PER_SECOND,
                established: 100,
                container: 'client',
                socket: 'ipv4',
              },
            ],
          },
        ],
      },
    ],
  };
}

export async function benchTraceWindow(out: string): Promise<string[]> {
  const child = fork(
    join(__dirname, 'trace-sim-child.js'),
    [JSON.stringify(scenario()), String(CLOCK_SCALE)],
    {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  const endpoints = await new Promise<Endpoints>((resolve, reject) => {
    child.once('message', (message) => resolve(message as Endpoints));
    child.once('exit', (code) => reject(new Error(`the simulated cluster stopped (exit ${code})`)));
  });
  const folder = join(out, 'trace-window');
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 100);
  const started = Date.now();
  try {
    const credential = simCredential(endpoints.token);
    const finding = await investigate(
      {
        investigationId: 'bench-trace-window',
        cluster: { clusterId: endpoints.clusterId },
        node: { ip: endpoints.alertNodeIp },
        traceSeconds: TRACE_SECONDS,
        requestedAt: new Date().toISOString(),
      },
      {
        azure: new AzureAccess({
          credential,
          endpoint: endpoints.armEndpoint,
          tlsOptions: { ca: endpoints.armCa },
        }),
        kube: (kubeconfig) => new KubeAccess({ kubeconfig }),
        archive: () => new DirectoryArchive(folder),
        debugNamespace: SIM_DEBUG_NAMESPACE,
        debugImage: 'mcr.microsoft.com/cbl-mariner/busybox:2.0',
        spoolRoot: join(out, 'trace-window-spool'),
      },
      // The driver's own wait for the window is the node's: the pod times the trace itself.
      { sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 5))) },
    );
    clearInterval(sampler);
    const seconds = (Date.now() - started) / 1000;
    const tracers = await new Promise<TracerRecord[]>((resolve) => {
      child.once('message', (message) => resolve((message as { tracers: TracerRecord[] }).tracers));
      child.send('tracers');
    });
    const made = tracers[0];
    if (finding.trace === null || made === undefined) {
      throw new Error(`no trace: ${finding.warnings.join('; ')}`);
    }
    const counted = finding.trace.events;
    const burst = finding.pods.find((p) => p.name === 'burst-7d9f4');
    const same =
      counted.connect === made.events.connect &&
      counted.accept === made.events.accept &&
      counted.close === made.events.close;
    const rows = [
      `trace ${CONNECTS_PER_SECOND} connects/s x ${TRACE_SECONDS} s (node clock x${CLOCK_SCALE}), finding ${finding.status}: ` +
        `window ${finding.trace.windowSeconds} s, BPF compile ${finding.trace.startupSeconds} s`,
      `  events made by the node's tracer: ${made.events.connect} connect, ${made.events.accept} accept, ${made.events.close} close, ${made.lost} lost; ` +
        `${(made.bytes / 1e9).toFixed(2)} GB on the node's disk (bound ${2} GiB)`,
      `  events counted by the responder: ${counted.connect} connect, ${counted.accept} accept, ${counted.close} close, ` +
        `${finding.trace.skippedLines} lines skipped, ${finding.trace.lostSamples} lost: ${same ? 'equal' : 'DIFFERENT'}`,
      `  the pod's traced connects ${burst?.tracedConnects ?? 0} (made: ${CONNECTS_PER_SECOND * TRACE_SECONDS}); ` +
        `trace.log archived ${(statSync(join(folder, 'trace.log')).size / 1e9).toFixed(2)} GB`,
      `  responder peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB (max RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB), ${seconds.toFixed(1)} s wall`,
    ];
    if (!same) process.exitCode = 1;
    return rows;
  } finally {
    clearInterval(sampler);
    child.send('close');
    await new Promise((resolve) => child.once('exit', resolve));
    rmSync(folder, { recursive: true, force: true });
  }
}
