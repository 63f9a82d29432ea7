import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { InputError } from '../core/errors';
import { parseSnatAlert, type SnatAlert } from '../core/parse-alert';
import type { CliIo } from './io';
import { ALERT_USAGE } from './usage';

/** What the webhook would do with this payload, in words. */
export function describeAlert(alert: SnatAlert): string {
  const lines = [
    `${alert.condition}: ${alert.rule} on ${alert.loadBalancerId}`,
    `cluster: the one with node resource group ${alert.cluster.nodeResourceGroup} (subscription ${alert.cluster.subscriptionId})`,
  ];
  if (alert.condition === 'Resolved') {
    lines.push('recorded; nothing to start');
  } else {
    lines.push(`would start ${alert.nodes.length} investigation${alert.nodes.length === 1 ? '' : 's'}:`);
    for (const node of alert.nodes) {
      const value = node.value === null ? '' : ` ${node.value}`;
      const threshold = node.threshold === null ? '' : ` (threshold ${node.threshold})`;
      lines.push(`  node ${node.ip}: ${node.metric}${value}${threshold}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** `aks-snat alert FILE`: the alert webhook's parsing as a dry run, to check an alert rule's payload. */
export async function runAlert(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: { json: { type: 'boolean' } },
    strict: true,
    allowPositionals: true,
  });
  const [file, extra] = positionals;
  if (file === undefined) throw new InputError(`an alert payload FILE is required (usage: ${ALERT_USAGE})`);
  if (extra !== undefined) throw new InputError(`unexpected argument '${extra}' (usage: ${ALERT_USAGE})`);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new InputError(`alert payload file not found: ${file}`, { cause: error });
  }
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${file} is not JSON: ${(error as Error).message}`);
  }
  const alert = parseSnatAlert(payload);
  io.stdout.write(values.json === true ? `${JSON.stringify(alert, null, 2)}\n` : describeAlert(alert));
  return 0;
}
