/**
 * The twins config: one YAML file in the data dir (`twins.yaml`) that says which assets the factory
 * has, where their telemetry comes from, and which topic / Sparkplug metric / OPC UA node feeds which
 * asset property (with unit and scaling). Parsed and validated by `twins/config.ts`, whose errors name
 * the line.
 *
 * Wire shape (YAML):
 *   sources:
 *     mqtt: { broker: builtin, port: 1884 }          # or broker: mqtts://broker.example:8883 + credentials
 *     opcua: [{ endpoint: opc.tcp://10.0.0.5:4840, samplingMs: 500 }]
 *   assets:
 *     - id: cnc-01
 *       kind: machine
 *       name: 5-axis machining centre
 *       processes: [cnc-machining]
 *       materials: [aluminium, stainless-steel]
 *       toleranceMm: 0.01
 *       envelopeMm: [500, 450, 400]
 *       ratePerHour: 380
 *       shifts: [{ days: [1, 2, 3, 4, 5], start: '08:00', end: '20:00' }]
 *   mappings:
 *     - { topic: plant/cnc-01/status, path: spindle.rpm, asset: cnc-01, property: spindleSpeed, unit: rpm }
 *     - { sparkplug: { group: plant, edge: line1, device: cnc-01, metric: Counters/Good }, asset: cnc-01, property: goodCount }
 *     - { opcua: { endpoint: opc.tcp://10.0.0.5:4840, nodeId: 'ns=1;s=Temperature' }, asset: cnc-01, property: temperature, unit: °C }
 *
 * Well-known properties, read by the capacity calendar and the self-reporting orders:
 * `state` (`running` | `idle` | `setup` | `down` | `off`), `partCount` / `goodCount` / `scrapCount`
 * (monotonic counters), `availability` (0..1), `currentJob` (an order's job id).
 */
import { type Static, Type } from '@sinclair/typebox';

const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$' });
const Hhmm = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' });

export const ShiftSchema = Type.Object(
  {
    /** ISO weekdays, 1 = Monday … 7 = Sunday. */
    days: Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), { minItems: 1, maxItems: 7 }),
    start: Hhmm,
    /** End time; an end before the start runs past midnight. */
    end: Hhmm,
  },
  { additionalProperties: false },
);

export const AssetSchema = Type.Object(
  {
    id: Id,
    kind: Type.Union([Type.Literal('machine'), Type.Literal('line'), Type.Literal('warehouse')]),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    manufacturer: Type.Optional(Type.String({ maxLength: 200 })),
    model: Type.Optional(Type.String({ maxLength: 200 })),
    serialNumber: Type.Optional(Type.String({ maxLength: 100 })),
    /** The line (asset id) this machine belongs to. */
    partOf: Type.Optional(Id),
    /** Processes it can run, as category ids (`cnc-machining`, `sheet-metal`, …). */
    processes: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { default: [], maxItems: 32 }),
    /** Material families it can work (`aluminium`, `stainless-steel`, `abs`, …). */
    materials: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { default: [], maxItems: 64 }),
    /** Best tolerance it holds, ± mm. */
    toleranceMm: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    /** Largest part, mm (x, y, z). */
    envelopeMm: Type.Optional(Type.Array(Type.Number({ exclusiveMinimum: 0 }), { minItems: 3, maxItems: 3 })),
    /** Machine rate for the cost model, in the node's currency per hour. */
    ratePerHour: Type.Optional(Type.Number({ minimum: 0 })),
    /** Planned working time; no shifts means none planned. */
    shifts: Type.Array(ShiftSchema, { default: [], maxItems: 32 }),
  },
  { additionalProperties: false },
);

const Scaling = {
  asset: Id,
  property: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z][A-Za-z0-9_]*$' }),
  unit: Type.Optional(Type.String({ maxLength: 16 })),
  /** value = raw × scale + offset. */
  scale: Type.Optional(Type.Number()),
  offset: Type.Optional(Type.Number()),
  /** Values outside [min, max] (after scaling) are refused as out of range. */
  min: Type.Optional(Type.Number()),
  max: Type.Optional(Type.Number()),
};

export const MqttMappingSchema = Type.Object(
  {
    /** An MQTT topic (no wildcards: one topic, one property). */
    topic: Type.String({ minLength: 1, maxLength: 256 }),
    /** Dotted path into a JSON payload (`spindle.rpm`); absent: the payload is the value itself. */
    path: Type.Optional(Type.String({ maxLength: 128 })),
    /**
     * Dotted path of the source timestamp in a JSON object payload (epoch ms, epoch s, or ISO 8601);
     * default `ts`. Without one the receive time is used.
     */
    tsPath: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    ...Scaling,
  },
  { additionalProperties: false },
);

export const SparkplugMappingSchema = Type.Object(
  {
    sparkplug: Type.Object(
      {
        group: Type.String({ minLength: 1, maxLength: 64 }),
        edge: Type.String({ minLength: 1, maxLength: 64 }),
        /** Absent for a metric of the edge node itself. */
        device: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
        metric: Type.String({ minLength: 1, maxLength: 128 }),
      },
      { additionalProperties: false },
    ),
    ...Scaling,
  },
  { additionalProperties: false },
);

export const OpcuaMappingSchema = Type.Object(
  {
    opcua: Type.Object(
      {
        endpoint: Type.String({ pattern: '^opc\\.tcp://', maxLength: 256 }),
        nodeId: Type.String({ minLength: 1, maxLength: 256 }),
      },
      { additionalProperties: false },
    ),
    ...Scaling,
  },
  { additionalProperties: false },
);

export const MappingSchema = Type.Union([MqttMappingSchema, SparkplugMappingSchema, OpcuaMappingSchema]);

export const MqttSourceSchema = Type.Object(
  {
    /** `builtin` runs the embedded broker on loopback; otherwise a URL `mqtt://` / `mqtts://` / `ws://`. */
    broker: Type.String({ minLength: 1, maxLength: 256, default: 'builtin' }),
    /** Port of the built-in broker (0: any free port). */
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 1884 }),
    host: Type.String({ default: '127.0.0.1', maxLength: 256 }),
    username: Type.Optional(Type.String({ maxLength: 256 })),
    password: Type.Optional(Type.String({ maxLength: 256 })),
    clientId: Type.Optional(Type.String({ maxLength: 128 })),
    /** PEM files for TLS, paths relative to the data dir. */
    ca: Type.Optional(Type.String({ maxLength: 512 })),
    cert: Type.Optional(Type.String({ maxLength: 512 })),
    key: Type.Optional(Type.String({ maxLength: 512 })),
    rejectUnauthorized: Type.Boolean({ default: true }),
    /** Sparkplug B namespace subscription on (`spBv1.0/#`). */
    sparkplug: Type.Boolean({ default: true }),
    /**
     * Extra subscriptions (wildcards allowed, e.g. `plant/#`) besides the mapped topics: messages on them
     * that no mapping names are counted as unknown topics, so an operator sees what is not mapped yet.
     */
    topics: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 64 })),
  },
  { additionalProperties: false },
);

export const OpcuaSourceSchema = Type.Object(
  {
    endpoint: Type.String({ pattern: '^opc\\.tcp://', maxLength: 256 }),
    samplingMs: Type.Integer({ minimum: 10, maximum: 3_600_000, default: 500 }),
    username: Type.Optional(Type.String({ maxLength: 256 })),
    password: Type.Optional(Type.String({ maxLength: 256 })),
  },
  { additionalProperties: false },
);

export const TwinsConfigSchema = Type.Object(
  {
    sources: Type.Object(
      {
        mqtt: Type.Optional(MqttSourceSchema),
        opcua: Type.Array(OpcuaSourceSchema, { default: [], maxItems: 64 }),
      },
      { additionalProperties: false, default: {} },
    ),
    assets: Type.Array(AssetSchema, { default: [], maxItems: 10_000 }),
    mappings: Type.Array(MappingSchema, { default: [], maxItems: 200_000 }),
  },
  { additionalProperties: false },
);

export type Shift = Static<typeof ShiftSchema>;
export type AssetDefinition = Static<typeof AssetSchema>;
export type MqttMapping = Static<typeof MqttMappingSchema>;
export type SparkplugMapping = Static<typeof SparkplugMappingSchema>;
export type OpcuaMapping = Static<typeof OpcuaMappingSchema>;
export type Mapping = Static<typeof MappingSchema>;
export type MqttSourceOptions = Static<typeof MqttSourceSchema>;
export type OpcuaSourceOptions = Static<typeof OpcuaSourceSchema>;
export type TwinsConfig = Static<typeof TwinsConfigSchema>;
