import type { ArchivePort } from '../workflow/ports';
import type { FaultPlan } from './scenario-faults';

/**
 * The archive with the scenario's `blob` fault: a planned write or read fails as Blob storage's would
 * (503 ServerBusy, 500, or no answer), and nothing is written.
 */
export function faultyArchive(archive: ArchivePort, plan: FaultPlan): ArchivePort {
  const check = (what: string) => {
    const fault = plan.next();
    if (fault === null) return;
    const how =
      fault.status === 'timeout'
        ? 'no answer in time'
        : fault.status === 503
          ? 'HTTP 503 ServerBusy: The server is busy.'
          : `HTTP ${fault.status}`;
    throw new Error(`Blob storage unavailable (${what}): ${how}`);
  };
  return {
    location: archive.location,
    async write(path, content) {
      check(`writing ${path}`);
      await archive.write(path, content);
    },
    async writeChunks(path, chunks) {
      check(`writing ${path}`);
      await archive.writeChunks(path, chunks);
    },
    async read(path) {
      check(`reading ${path}`);
      return archive.read(path);
    },
  };
}
