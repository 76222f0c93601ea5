/**
 * Sparkplug B: the payload's protobuf schema, encoding and decoding (protobufjs, parsed at runtime from
 * the .proto text below: no build step), topic parsing, and metric values by datatype.
 *
 * Reference: Eclipse Sparkplug 3.0.0 specification, chapter 6 (payloads) and 4.1 (topic namespace);
 * the schema is Eclipse Tahu's `sparkplug_b.proto`.
 *
 * Topics: `spBv1.0/<group>/<NBIRTH|NDEATH|NDATA|NCMD>/<edge>` for an edge node,
 * `spBv1.0/<group>/<DBIRTH|DDEATH|DDATA|DCMD>/<edge>/<device>` for a device behind it, and
 * `spBv1.0/STATE/<host>` for host applications.
 */
import protobuf from 'protobufjs';

export const SPARKPLUG_NAMESPACE = 'spBv1.0';

/** Eclipse Tahu sparkplug_b.proto (Sparkplug 3.0.0), field names kept in snake_case. */
const SPARKPLUG_B_PROTO = `
syntax = "proto2";
package org.eclipse.tahu.protobuf;

message Payload {
  message Template {
    message Parameter {
      optional string name = 1;
      optional uint32 type = 2;
      oneof value {
        uint32 int_value = 3;
        uint64 long_value = 4;
        float float_value = 5;
        double double_value = 6;
        bool boolean_value = 7;
        string string_value = 8;
        ParameterValueExtension extension_value = 9;
      }
      message ParameterValueExtension { extensions 1 to max; }
    }
    optional string version = 1;
    repeated Metric metrics = 2;
    repeated Parameter parameters = 3;
    optional string template_ref = 4;
    optional bool is_definition = 5;
    extensions 6 to max;
  }

  message DataSet {
    message DataSetValue {
      oneof value {
        uint32 int_value = 1;
        uint64 long_value = 2;
        float float_value = 3;
        double double_value = 4;
        bool boolean_value = 5;
        string string_value = 6;
        DataSetValueExtension extension_value = 7;
      }
      message DataSetValueExtension { extensions 1 to max; }
    }
    message Row {
      repeated DataSetValue elements = 1;
      extensions 2 to max;
    }
    optional uint64 num_of_columns = 1;
    repeated string columns = 2;
    repeated uint32 types = 3;
    repeated Row rows = 4;
    extensions 5 to max;
  }

  message PropertyValue {
    optional uint32 type = 1;
    optional bool is_null = 2;
    oneof value {
      uint32 int_value = 3;
      uint64 long_value = 4;
      float float_value = 5;
      double double_value = 6;
      bool boolean_value = 7;
      string string_value = 8;
      PropertySet propertyset_value = 9;
      PropertySetList propertysets_value = 10;
      PropertyValueExtension extension_value = 11;
    }
    message PropertyValueExtension { extensions 1 to max; }
  }

  message PropertySet {
    repeated string keys = 1;
    repeated PropertyValue values = 2;
    extensions 3 to max;
  }

  message PropertySetList {
    repeated PropertySet propertyset = 1;
    extensions 2 to max;
  }

  message MetaData {
    optional bool is_multi_part = 1;
    optional string content_type = 2;
    optional uint64 size = 3;
    optional uint64 seq = 4;
    optional string file_name = 5;
    optional string file_type = 6;
    optional string md5 = 7;
    optional string description = 8;
    extensions 9 to max;
  }

  message Metric {
    optional string name = 1;
    optional uint64 alias = 2;
    optional uint64 timestamp = 3;
    optional uint32 datatype = 4;
    optional bool is_historical = 5;
    optional bool is_transient = 6;
    optional bool is_null = 7;
    optional MetaData metadata = 8;
    optional PropertySet properties = 9;
    oneof value {
      uint32 int_value = 10;
      uint64 long_value = 11;
      float float_value = 12;
      double double_value = 13;
      bool boolean_value = 14;
      string string_value = 15;
      bytes bytes_value = 16;
      DataSet dataset_value = 17;
      Template template_value = 18;
      MetricValueExtension extension_value = 19;
    }
    message MetricValueExtension { extensions 1 to max; }
  }

  optional uint64 timestamp = 1;
  repeated Metric metrics = 2;
  optional uint64 seq = 3;
  optional string uuid = 4;
  optional bytes body = 5;
  extensions 6 to max;
}
`;

/** Sparkplug B datatypes (specification 6.4.16). */
export const DataType = {
  Unknown: 0,
  Int8: 1,
  Int16: 2,
  Int32: 3,
  Int64: 4,
  UInt8: 5,
  UInt16: 6,
  UInt32: 7,
  UInt64: 8,
  Float: 9,
  Double: 10,
  Boolean: 11,
  String: 12,
  DateTime: 13,
  Text: 14,
  UUID: 15,
  DataSet: 16,
  Bytes: 17,
  File: 18,
  Template: 19,
  PropertySet: 20,
  PropertySetList: 21,
} as const;
export type DataTypeCode = (typeof DataType)[keyof typeof DataType];

/** A 64-bit integer as protobufjs decodes it (a `long` Long), or a number when it fits. */
export type Uint64 = number | { toNumber(): number; toSigned(): { toNumber(): number } };

/** A decoded metric; only the fields present on the wire are set. */
export interface SparkplugMetric {
  name?: string;
  alias?: Uint64;
  timestamp?: Uint64;
  datatype?: number;
  is_historical?: boolean;
  is_transient?: boolean;
  is_null?: boolean;
  int_value?: number;
  long_value?: Uint64;
  float_value?: number;
  double_value?: number;
  boolean_value?: boolean;
  string_value?: string;
  bytes_value?: Uint8Array;
  dataset_value?: unknown;
  template_value?: unknown;
  properties?: unknown;
  metadata?: unknown;
}

export interface SparkplugPayload {
  timestamp?: Uint64;
  metrics?: SparkplugMetric[];
  seq?: Uint64;
  uuid?: string;
  body?: Uint8Array;
}

/** The compiled Payload type; one per process is fine (protobufjs types are immutable once built). */
const PayloadType: protobuf.Type = protobuf
  .parse(SPARKPLUG_B_PROTO, { keepCase: true })
  .root.lookupType('org.eclipse.tahu.protobuf.Payload');

/** Encodes a payload (numbers are accepted for 64-bit fields). */
export function encodePayload(payload: SparkplugPayload): Uint8Array {
  return PayloadType.encode(payload as protobuf.Message).finish();
}

/** Decodes a payload; throws on malformed bytes (the caller counts them). */
export function decodePayload(bytes: Uint8Array): SparkplugPayload {
  return PayloadType.decode(bytes) as unknown as SparkplugPayload;
}

/** A 64-bit field as a number (unsigned; precision is lost above 2^53, which timestamps never reach). */
export function toNumber(v: Uint64 | undefined | null): number | undefined {
  if (v === undefined || v === null) return undefined;
  return typeof v === 'number' ? v : v.toNumber();
}

/**
 * A field only when it was on the wire: protobufjs puts proto2 defaults (0, '', false) on decoded
 * messages' prototypes, so a plain read cannot tell "absent" from "zero".
 */
export function own<T extends object, K extends keyof T>(m: T, k: K): T[K] | undefined {
  return Object.hasOwn(m, k) ? m[k] : undefined;
}

/**
 * A metric's value by its datatype (from the metric, or from its BIRTH when a DATA message omits it):
 * a number, string or boolean; `null` when the metric says is_null; `undefined` for types a twin
 * property cannot hold (DataSet, Template, Bytes, File, arrays) or a value missing.
 */
export function metricValue(
  m: SparkplugMetric,
  datatype: number | undefined,
): number | string | boolean | null | undefined {
  if (own(m, 'is_null')) return null;
  const type = own(m, 'datatype') ?? datatype ?? DataType.Unknown;
  switch (type) {
    case DataType.Int8: {
      const v = own(m, 'int_value');
      return v === undefined ? undefined : (v << 24) >> 24;
    }
    case DataType.Int16: {
      const v = own(m, 'int_value');
      return v === undefined ? undefined : (v << 16) >> 16;
    }
    case DataType.Int32: {
      const v = own(m, 'int_value');
      return v === undefined ? undefined : v | 0;
    }
    case DataType.UInt8:
    case DataType.UInt16:
    case DataType.UInt32: {
      const v = own(m, 'int_value');
      return v === undefined ? undefined : v >>> 0;
    }
    case DataType.Int64: {
      const v = own(m, 'long_value');
      if (v === undefined || v === null) return undefined;
      return typeof v === 'number' ? v : v.toSigned().toNumber();
    }
    case DataType.UInt64:
    case DataType.DateTime:
      return toNumber(own(m, 'long_value'));
    case DataType.Float:
      return own(m, 'float_value');
    case DataType.Double:
      return own(m, 'double_value');
    case DataType.Boolean:
      return own(m, 'boolean_value');
    case DataType.String:
    case DataType.Text:
    case DataType.UUID:
      return own(m, 'string_value');
    case DataType.Unknown:
      // No datatype anywhere: take whichever scalar field is present.
      return (
        own(m, 'double_value') ??
        own(m, 'float_value') ??
        own(m, 'boolean_value') ??
        own(m, 'string_value') ??
        own(m, 'int_value') ??
        toNumber(own(m, 'long_value'))
      );
    default:
      return undefined;
  }
}

/** A metric with its value in the field its datatype says (for publishers: the simulator, tests, benches). */
export function metric(
  name: string | undefined,
  datatype: DataTypeCode,
  value: number | string | boolean | null,
  extra: { alias?: number; timestamp?: number } = {},
): SparkplugMetric {
  const m: SparkplugMetric = { datatype };
  if (name !== undefined) m.name = name;
  if (extra.alias !== undefined) m.alias = extra.alias;
  if (extra.timestamp !== undefined) m.timestamp = extra.timestamp;
  if (value === null) {
    m.is_null = true;
    return m;
  }
  switch (datatype) {
    case DataType.Int8:
    case DataType.Int16:
    case DataType.Int32:
    case DataType.UInt8:
    case DataType.UInt16:
    case DataType.UInt32:
      m.int_value = Number(value) >>> 0;
      break;
    case DataType.Int64:
    case DataType.UInt64:
    case DataType.DateTime:
      m.long_value = Number(value);
      break;
    case DataType.Float:
      m.float_value = Number(value);
      break;
    case DataType.Double:
      m.double_value = Number(value);
      break;
    case DataType.Boolean:
      m.boolean_value = Boolean(value);
      break;
    default:
      m.string_value = String(value);
  }
  return m;
}

export const NODE_MESSAGE_TYPES = ['NBIRTH', 'NDEATH', 'NDATA', 'NCMD'] as const;
export const DEVICE_MESSAGE_TYPES = ['DBIRTH', 'DDEATH', 'DDATA', 'DCMD'] as const;
export type NodeMessageType = (typeof NODE_MESSAGE_TYPES)[number];
export type DeviceMessageType = (typeof DEVICE_MESSAGE_TYPES)[number];

export type SparkplugTopic =
  | { type: NodeMessageType; group: string; edge: string; device?: undefined }
  | { type: DeviceMessageType; group: string; edge: string; device: string }
  | { type: 'STATE'; host: string };

/** Parses a Sparkplug B topic; undefined when it is not one (wrong namespace, shape or message type). */
export function parseSparkplugTopic(topic: string): SparkplugTopic | undefined {
  const levels = topic.split('/');
  if (levels[0] !== SPARKPLUG_NAMESPACE || levels.some((l) => l === '')) return undefined;
  if (levels[1] === 'STATE') return levels.length === 3 ? { type: 'STATE', host: levels[2]! } : undefined;
  const [, group, type, edge, device] = levels;
  if (group === undefined || type === undefined || edge === undefined) return undefined;
  if (levels.length === 4 && (NODE_MESSAGE_TYPES as readonly string[]).includes(type)) {
    return { type: type as NodeMessageType, group, edge };
  }
  if (
    levels.length === 5 &&
    device !== undefined &&
    (DEVICE_MESSAGE_TYPES as readonly string[]).includes(type)
  ) {
    return { type: type as DeviceMessageType, group, edge, device };
  }
  return undefined;
}

/** The topic of a Sparkplug message. */
export function sparkplugTopic(
  type: NodeMessageType | DeviceMessageType,
  group: string,
  edge: string,
  device?: string,
): string {
  return device === undefined
    ? `${SPARKPLUG_NAMESPACE}/${group}/${type}/${edge}`
    : `${SPARKPLUG_NAMESPACE}/${group}/${type}/${edge}/${device}`;
}

/** The metric an edge node's BIRTH and DEATH carry to pair them (specification 6.4.5). */
export const BD_SEQ = 'bdSeq';
/** The metric a host writes in NCMD to ask an edge node to publish its BIRTHs again. */
export const REBIRTH = 'Node Control/Rebirth';
