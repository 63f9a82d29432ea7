/**
 * The simulated cluster in a thread of its own, for `aks-snat demo`: it boots while the main thread loads
 * client-node and the Azure SDK, and serves on the other core while the responder works.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Scenario } from './scenario';
import { startSimCluster } from './sim-cluster';

export interface SimClusterEndpoints {
  readonly token: string;
  readonly armEndpoint: string;
  readonly armCa: string;
  readonly clusterId: string;
  readonly alertNodeIp: string;
  /** The simulated Teams channel's webhook (its `sig` is a secret, as a real one's). */
  readonly teamsUrl: string;
}

async function serve(): Promise<void> {
  const sim = await startSimCluster(workerData as Scenario);
  const endpoints: SimClusterEndpoints = {
    token: sim.token,
    armEndpoint: sim.arm.endpoint,
    armCa: sim.arm.ca,
    clusterId: sim.arm.clusterId,
    alertNodeIp: sim.alertNodeIp,
    teamsUrl: sim.teams.url,
  };
  parentPort?.once('message', () => {
    void sim.close().then(() => parentPort?.postMessage('closed'));
  });
  parentPort?.postMessage(endpoints);
}

void serve();
