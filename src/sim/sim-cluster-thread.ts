import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Scenario } from './scenario';
import type { SimClusterEndpoints } from './sim-cluster-worker';

export interface SimClusterHandle extends SimClusterEndpoints {
  close(): Promise<void>;
}

const WORKER = join(__dirname, 'sim-cluster-worker.js');

/**
 * Starts the simulated cluster in a worker thread when the compiled worker is there (the CLI), else in
 * this thread (under ts-jest): the same servers either way.
 */
export async function startSimClusterThread(scenario: Scenario): Promise<SimClusterHandle> {
  if (!existsSync(WORKER)) {
    const { startSimCluster } = await import('./sim-cluster');
    const sim = await startSimCluster(scenario);
    return {
      token: sim.token,
      armEndpoint: sim.arm.endpoint,
      armCa: sim.arm.ca,
      clusterId: sim.arm.clusterId,
      alertNodeIp: sim.alertNodeIp,
      teamsUrl: sim.teams.url,
      close: () => sim.close(),
    };
  }
  const worker = new Worker(WORKER, { workerData: scenario });
  const endpoints = await new Promise<SimClusterEndpoints>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the simulated cluster stopped (exit ${code})`)));
  });
  return {
    ...endpoints,
    close: () =>
      new Promise<void>((resolve) => {
        worker.once('message', () => {
          void worker.terminate().then(() => resolve());
        });
        worker.postMessage('close');
      }),
  };
}
