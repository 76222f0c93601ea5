// Run by opcua-source.test.ts in a child process (not a test file itself): starts a source against an
// endpoint where nothing listens, waits for its first failed attempt, stops it and lets the process end
// on its own. Prints one JSON line: when it stopped, the status, and the resources still open.
// Arguments: <pkiDir> <endpoint>.
import { OpcuaPki, OpcuaTelemetrySource } from '../../../../src/twins/opcua/index.js';
import { defaultOpcuaTelemetrySourceOptions } from '../../../../src/twins/opcua/opcua-source.js';
import { systemClock } from '../../../../src/util/clock.js';
import { createLogger } from '../../../../src/util/logger.js';

const [pkiDir, endpoint] = process.argv.slice(2) as [string, string];
let failed: () => void = () => undefined;
const firstFailure = new Promise<void>((resolve) => {
  failed = resolve;
});
const logger = createLogger(
  { level: 'warn' },
  {
    write(line: string) {
      if (line.includes('opcua connection attempt failed')) failed();
    },
  },
);
const pki = new OpcuaPki({ dir: pkiDir, acceptUnknownServerCertificates: false }, { logger });
const source = new OpcuaTelemetrySource(
  {
    ...defaultOpcuaTelemetrySourceOptions,
    endpoint,
    // The retry wait after the first failure is 500–1000 ms: longer than the 100 ms grace below, so a
    // retry timer stop() forgot shows up in the list of open resources.
    initialDelayMs: 1_000,
    maxDelayMs: 60_000,
    keepAliveMs: 60_000,
    mappings: [
      { opcua: { endpoint, nodeId: 'ns=1;s=Temperature' }, asset: 'cnc-01', property: 'temperature' },
    ],
  },
  {
    sink: { write: () => undefined, reject: () => undefined },
    pki,
    clock: systemClock,
    logger,
  },
);
await source.start();
await firstFailure;
await source.stop();
const stoppedAt = Date.now();
// Let sockets closed by stop() finish closing, then list what is still open.
await new Promise((r) => setTimeout(r, 100));
await new Promise((r) => setImmediate(r));
const active = process.getActiveResourcesInfo();
process.stdout.write(`${JSON.stringify({ stoppedAt, status: source.status(), active })}\n`);
