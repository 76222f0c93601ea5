/**
 * Telemetry ingest: raw shop-floor data in, checked `TelemetrySample`s out to a sink (the twin store).
 *
 * - `TelemetryHub`: the mappings of the twins config compiled for the hot path; routes MQTT messages
 *   (plain JSON topics, Sparkplug B with BIRTH/DEATH, aliases and sequence numbers), applies unit,
 *   scale, offset and range, refuses skewed clocks, counts every refusal by reason (`counts()`), and
 *   writes to the sink in batches. It is a `TelemetrySink` itself, so other sources write through it.
 * - `BuiltinBroker`: aedes on loopback (MQTT 3.1.1 only; aedes has no MQTT 5).
 * - `MqttTelemetrySource`: the client to the built-in or any broker (credentials, TLS, backoff).
 * - `parseTelemetryBatch`: the body of `POST /api/telemetry`.
 * - `importCsv`: history from CSV (`ts,asset,property,value`), streamed.
 * - the Sparkplug B codec (protobuf schema, encode/decode, topics), for publishers too.
 *
 * @example
 * const hub = new TelemetryHub({ ...defaultTelemetryHubOptions, mappings: config.mappings }, { sink, clock, logger });
 * const broker = new BuiltinBroker({ ...defaultBuiltinBrokerOptions, port: config.sources.mqtt.port }, { logger });
 * await broker.start();
 * const source = new MqttTelemetrySource(
 *   mqttSourceOptions(config.sources.mqtt, { url: broker.url, baseDir: dataDir }),
 *   { hub, clock, logger },
 * );
 * await source.start(signal);
 * hub.counts(); // { messages, accepted, stale, rejected: { 'unknown-topic': 3, … }, awaitingBirth, batches }
 * // closing, in reverse: await source.stop(); hub.close(); await broker.close();
 */
export {
  BuiltinBroker,
  type BuiltinBrokerDeps,
  type BuiltinBrokerOptions,
  defaultBuiltinBrokerOptions,
} from './builtin-broker.js';
export {
  type CsvImportOptions,
  type CsvImportResult,
  type CsvInput,
  defaultCsvImportOptions,
  importCsv,
} from './csv-import.js';
export {
  type BatchEntryError,
  defaultTelemetryBatchOptions,
  parseTelemetryBatch,
  type TelemetryBatchOptions,
} from './http-batch.js';
export {
  type CommandPublisher,
  defaultTelemetryHubOptions,
  parseJsonPayload,
  REJECT_REASONS,
  type TelemetryCounts,
  TelemetryHub,
  type TelemetryHubDeps,
  type TelemetryHubOptions,
} from './hub.js';
export {
  applyRule,
  compileRule,
  MAX_STRING_VALUE,
  MappingIndex,
  type PropertyRule,
  parseTimestamp,
  type RuleResult,
  valueAt,
} from './mapping.js';
export {
  defaultMqttTelemetrySourceOptions,
  MqttTelemetrySource,
  type MqttTelemetrySourceDeps,
  type MqttTelemetrySourceOptions,
  mqttSourceOptions,
} from './mqtt-source.js';
export {
  BD_SEQ,
  DataType,
  type DataTypeCode,
  decodePayload,
  encodePayload,
  metric,
  metricValue,
  parseSparkplugTopic,
  REBIRTH,
  SPARKPLUG_NAMESPACE,
  type SparkplugMetric,
  type SparkplugPayload,
  type SparkplugTopic,
  sparkplugTopic,
} from './sparkplug-codec.js';
