/**
 * The simulated cluster for `npm run bench -- trace`, in a process of its own, so that the responder's
 * peak memory is measured alone (the node's 1.4 GB trace file lives here). Scenario and clock scale come
 * as argv; the endpoints go back over IPC, and so do the node's tracer records when asked.
 */
import { startSimCluster } from '../src/sim/sim-cluster';
import type { Scenario } from '../src/sim/scenario';

async function main(): Promise<void> {
  const scenario = JSON.parse(process.argv[2] ?? '{}') as Scenario;
  const clockScale = Number(process.argv[3] ?? '1');
  const sim = await startSimCluster(scenario, { startDelayMs: 20, clockScale });
  const node = scenario.nodes[0]?.name ?? '';
  process.on('message', (message: unknown) => {
    if (message === 'tracers') process.send?.({ tracers: sim.nodeModel(node)?.tracers ?? [] });
    if (message === 'close') void sim.close().then(() => process.exit(0));
  });
  process.send?.({
    token: sim.token,
    armEndpoint: sim.arm.endpoint,
    armCa: sim.arm.ca,
    clusterId: sim.arm.clusterId,
    alertNodeIp: sim.alertNodeIp,
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
