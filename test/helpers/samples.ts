import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The real-format samples of ../shared/samples, copied into the repository so that a clone tests alone. */
export const SAMPLES_DIR = join(__dirname, '..', 'fixtures', 'samples');

export function sample(name: string): string {
  return readFileSync(join(SAMPLES_DIR, name), 'utf8');
}

export function samplePath(name: string): string {
  return join(SAMPLES_DIR, name);
}
