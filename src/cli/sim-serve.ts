import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { InputError } from '../core/errors';
import { parseScenario } from '../sim/scenario';
import { startSimCluster } from '../sim/sim-cluster';
import type { CliIo } from './io';
import { SIM_SERVE_USAGE } from './usage';

/** Resolves on the first of SIGINT/SIGTERM: the servers run until the engineer stops them. */
function untilStopped(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string) => () => resolve(signal);
    process.once('SIGINT', stop('SIGINT'));
    process.once('SIGTERM', stop('SIGTERM'));
  });
}

/**
 * Serves the simulated Kubernetes and ARM APIs of a scenario until stopped, and writes a kubeconfig that
 * real kubectl (and client-node) can use: `kubectl --kubeconfig PATH get nodes -o wide`.
 */
export async function runSimServe(
  argv: readonly string[],
  io: CliIo,
  stopped: () => Promise<string> = untilStopped,
): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'serve') throw new InputError(`unknown sim command '${sub ?? ''}' (usage: ${SIM_SERVE_USAGE})`);
  const { values, positionals } = parseArgs({
    args: rest,
    options: { scenario: { type: 'string' }, port: { type: 'string' }, kubeconfig: { type: 'string' } },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length > 0)
    throw new InputError(`unexpected argument '${positionals[0]}' (usage: ${SIM_SERVE_USAGE})`);
  if (values.scenario === undefined)
    throw new InputError(`--scenario FILE is required (usage: ${SIM_SERVE_USAGE})`);
  if (values.kubeconfig === undefined)
    throw new InputError(`--kubeconfig PATH is required (usage: ${SIM_SERVE_USAGE})`);
  const port = values.port;
  if (port !== undefined && !(/^\d+$/.test(port) && Number(port) <= 65535)) {
    throw new InputError(`--port must be a port number, not '${port}'`);
  }
  let text: string;
  try {
    text = await readFile(values.scenario, 'utf8');
  } catch (error) {
    throw new InputError(`--scenario file not found: ${values.scenario}`, { cause: error });
  }
  const scenario = parseScenario(text);

  const sim = await startSimCluster(scenario, port === undefined ? {} : { kubePort: Number(port) });
  try {
    await writeFile(
      values.kubeconfig,
      sim.kube.kubeconfig({ contextName: scenario.cluster.name, user: { token: sim.token } }),
      { mode: 0o600 },
    );
    io.stderr.write(
      [
        `simulated cluster ${scenario.cluster.name} is up`,
        `  Kubernetes API: ${sim.kube.url}  (kubectl --kubeconfig ${values.kubeconfig} get nodes -o wide)`,
        `  ARM:            ${sim.arm.endpoint}  cluster ${sim.arm.clusterId}`,
        '  stop with Ctrl-C',
        '',
      ].join('\n'),
    );
    const signal = await stopped();
    io.stderr.write(`${signal}: stopping\n`);
    return 0;
  } finally {
    await sim.close();
  }
}
