/**
 * From the twins config to OPC UA sources: one source per endpoint, with the mappings that name it,
 * all sharing one certificate store in the data dir.
 */

import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { OpcuaMapping, OpcuaSourceOptions, TwinsConfig } from '../config-schema.js';
import type { TelemetrySink } from '../types.js';
import {
  defaultOpcuaTelemetrySourceOptions,
  endpointKey,
  type OpcuaSecurityMode,
  type OpcuaSecurityPolicy,
  OpcuaTelemetrySource,
  type OpcuaTelemetrySourceOptions,
} from './opcua-source.js';
import { OpcuaPki } from './pki.js';

/** Settings of every OPC UA source; endpoint, sampling and credentials come from the config. */
export type OpcuaSharedOptions = Omit<
  OpcuaTelemetrySourceOptions,
  'endpoint' | 'samplingMs' | 'username' | 'password' | 'mappings'
>;

export interface OpcuaSourcesOptions {
  /** The certificate store, `<dataDir>/opcua-pki`. */
  pkiDir: string;
  /** Trust any server certificate (tests and labs only). */
  acceptUnknownServerCertificates: boolean;
  source: OpcuaSharedOptions;
}

export const defaultOpcuaSourcesOptions: Omit<OpcuaSourcesOptions, 'pkiDir'> = {
  acceptUnknownServerCertificates: false,
  source: defaultOpcuaTelemetrySourceOptions,
};

export interface OpcuaSourcesDeps {
  sink: TelemetrySink;
  clock: Clock;
  logger: Logger;
}

/** A config entry for one endpoint; the security fields are read when the config schema has them. */
type EndpointConfig = OpcuaSourceOptions & {
  securityMode?: OpcuaSecurityMode;
  securityPolicy?: OpcuaSecurityPolicy;
};

/** Builds one source per OPC UA endpoint that has mappings (none when the config has no OPC UA). */
export function createOpcuaSources(
  config: Pick<TwinsConfig, 'sources' | 'mappings'>,
  options: OpcuaSourcesOptions,
  deps: OpcuaSourcesDeps,
): OpcuaTelemetrySource[] {
  const byEndpoint = new Map<string, { endpoint: EndpointConfig; mappings: OpcuaMapping[] }>();
  for (const e of (config.sources.opcua ?? []) as EndpointConfig[]) {
    const key = endpointKey(e.endpoint);
    if (byEndpoint.has(key)) {
      deps.logger.warn(
        { endpoint: e.endpoint },
        'opcua endpoint listed twice in sources; the first entry is used',
      );
      continue;
    }
    byEndpoint.set(key, { endpoint: e, mappings: [] });
  }
  for (const m of config.mappings) {
    if (!('opcua' in m)) continue;
    const key = endpointKey(m.opcua.endpoint);
    let entry = byEndpoint.get(key);
    if (!entry) {
      // A mapping names its endpoint in full, so listing it under sources is needed only to change its settings.
      deps.logger.info(
        { endpoint: m.opcua.endpoint },
        'opcua endpoint not under sources.opcua; default settings used',
      );
      entry = {
        endpoint: { endpoint: m.opcua.endpoint, samplingMs: defaultOpcuaTelemetrySourceOptions.samplingMs },
        mappings: [],
      };
      byEndpoint.set(key, entry);
    }
    entry.mappings.push(m);
  }
  const used = [...byEndpoint.values()].filter((e) => {
    if (e.mappings.length > 0) return true;
    deps.logger.warn({ endpoint: e.endpoint.endpoint }, 'opcua endpoint has no mappings; not connected');
    return false;
  });
  if (used.length === 0) return [];
  const pki = new OpcuaPki(
    { dir: options.pkiDir, acceptUnknownServerCertificates: options.acceptUnknownServerCertificates },
    { logger: deps.logger },
  );
  return used.map(
    ({ endpoint: e, mappings }) =>
      new OpcuaTelemetrySource(
        {
          ...options.source,
          ...(e.securityMode !== undefined ? { securityMode: e.securityMode } : {}),
          ...(e.securityPolicy !== undefined ? { securityPolicy: e.securityPolicy } : {}),
          endpoint: e.endpoint,
          samplingMs: e.samplingMs,
          username: e.username,
          password: e.password,
          mappings,
        },
        { sink: deps.sink, pki, clock: deps.clock, logger: deps.logger },
      ),
  );
}
