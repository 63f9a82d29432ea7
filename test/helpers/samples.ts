import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The shared real-format samples (../shared/samples beside the repository). */
export const SAMPLES_DIR = join(__dirname, '..', '..', '..', 'shared', 'samples');

export function sample(name: string): string {
  return readFileSync(join(SAMPLES_DIR, name), 'utf8');
}

export function samplePath(name: string): string {
  return join(SAMPLES_DIR, name);
}
