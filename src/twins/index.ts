/**
 * Live digital twins: shop-floor telemetry (MQTT with Sparkplug B or JSON topics, OPC UA, HTTP push,
 * CSV history) → AAS 3.0 twins of machines, lines and stock → a capacity calendar the matcher quotes
 * from → orders that report their own progress to the buyer, shared under the supplier's grants.
 *
 * `Twins` is the composition the node runs when its data dir holds a `twins.yaml` (see
 * config-schema.ts for the file); the parts are exported for tools, tests and benchmarks.
 *
 * @example
 * const twins = Twins.open(
 *   { ...defaultTwinsOptions, dataDir },
 *   { subscriberId, signer: { keyId, privateKey }, meta: store.meta, report, clock, logger },
 * ); // undefined without twins.yaml
 * await twins?.start();
 * twins?.twinStore.get('cnc-01', 'state');                    // { value: 'running', sourceTs, seq, quality, … }
 * twins?.calendar.earliestCompletion('cnc-machining', 120, twins.today()); // '2026-03-12'
 * await twins?.acceptOrder({ orderId: tx, buyer, items: [{ process: 'cnc-machining', quantity: 500 }], startDay, dueDay });
 * twins?.sharedProgress(buyer, tx, 'order-tracking');        // { ok: true, snapshot } signed by this node
 * await twins?.close();
 *
 * The shop-floor simulator (`weft sim`) publishes what a factory would:
 * const factory = sampleFactory('cnc-machining');
 * const config = twinsConfigForFactory(factory, defaultFactoryConfigOptions); // write it as twins.yaml
 * const sim = new ShopFloorSimulator({ ...defaultSimulatorOptions, factory, mappings: config.mappings, url }, { clock, logger });
 */
export { AasRepository, type AasRepositoryOptions, defaultAasRepositoryOptions } from './aas/index.js';
export {
  addDays,
  type Booking,
  type CalendarView,
  CapacityCalendar,
  type CapacityOptions,
  defaultCapacityOptions,
  type MachineStatus,
} from './capacity.js';
export {
  type ConfigProblem,
  loadTwinsConfig,
  parseTwinsConfig,
  stringifyTwinsConfig,
  twinsConfigProblems,
} from './config.js';
export type {
  AssetDefinition,
  Mapping,
  MqttMapping,
  MqttSourceOptions,
  OpcuaMapping,
  OpcuaSourceOptions,
  Shift,
  SparkplugMapping,
  TwinsConfig,
} from './config-schema.js';
export { createOpcuaSources, defaultOpcuaSourcesOptions } from './opcua/index.js';
export {
  defaultOrderTrackerOptions,
  type NewOrder,
  type OrderJob,
  OrderTracker,
  type OrderTrackerOptions,
  type ProgressFigures,
  type TrackedOrder,
} from './orders.js';
export {
  type Decision,
  type Grant,
  GrantBook,
  type ProgressSnapshot,
  type SharedValue,
  type SignedSnapshot,
  signSnapshot,
  verifySnapshot,
} from './sharing.js';
export {
  defaultFactoryConfigOptions,
  defaultSimulatorOptions,
  type FactoryConfigOptions,
  factoryFromConfig,
  ShopFloorSimulator,
  type SimFactory,
  type SimulatorOptions,
  SUPPLIER_KINDS,
  type SupplierKind,
  sampleFactory,
  twinsConfigForFactory,
} from './sim/index.js';
export {
  BuiltinBroker,
  defaultBuiltinBrokerOptions,
  defaultTelemetryHubOptions,
  MqttTelemetrySource,
  parseTelemetryBatch,
  TelemetryHub,
} from './telemetry/index.js';
export {
  defaultTimeseriesOptions,
  openTwinsDatabase,
  Timeseries,
  type TimeseriesOptions,
} from './timeseries.js';
export {
  defaultTwinStoreOptions,
  type LiveValue,
  type TwinChange,
  TwinStore,
  type TwinStoreOptions,
  type TwinView,
} from './twin-store.js';
export * from './twins.js';
export type { RejectReason, TelemetrySample, TelemetrySink, TelemetrySource } from './types.js';
