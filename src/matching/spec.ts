/**
 * The typed spec of a need: what the need parser makes of free text (Chinese or English), what the
 * owner API and the dashboard show and let the buyer edit, and what a supplier's fit reads.
 *
 * Every field is optional and carries the parser's confidence (0..1) and the words it came from, so the
 * buyer sees what was understood and how sure the node is. Units are normalised: quantities in pieces
 * (or the unit said), tolerances in millimetres, deadlines as an ISO date (and the days the text said).
 *
 * Wire shape (JSON):
 * { "text": "需要5000件304不锈钢CNC加工零件…", "language": "zh-Hans",
 *   "fields": { "process": { "value": "cnc-machining", "confidence": 0.95, "source": "CNC加工" }, … } }
 */
import { type Static, Type } from '@sinclair/typebox';

/** A field as understood: the value, how sure the parser is (0..1), and the words it came from. */
const field = <
  T extends ReturnType<typeof Type.Object> | ReturnType<typeof Type.String> | ReturnType<typeof Type.Array>,
>(
  value: T,
) =>
  Type.Object(
    {
      value,
      confidence: Type.Number({ minimum: 0, maximum: 1 }),
      source: Type.Optional(Type.String({ maxLength: 500 })),
    },
    { additionalProperties: false },
  );

const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9-]*$' });

export const NeedFieldsSchema = Type.Object(
  {
    /** Category ids of the network (`cnc-machining`, `sheet-metal`, `injection-moulding`, `die-casting`, `pcb-assembly`, …). */
    categories: Type.Optional(field(Type.Array(Id, { maxItems: 16 }))),
    /** The main process, a category-like id (`cnc-machining`, `anodizing`, …). */
    process: Type.Optional(field(Id)),
    /** Material family and grade: `{ family: 'stainless-steel', grade: '304' }`, `{ family: 'aluminium', grade: '6061-T6' }`. */
    material: Type.Optional(
      field(
        Type.Object(
          { family: Id, grade: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })) },
          { additionalProperties: false },
        ),
      ),
    ),
    /** How many, in `unit` (`pcs` unless the text said otherwise: `kg`, `m`, `sets`). */
    quantity: Type.Optional(
      field(
        Type.Object(
          { value: Type.Number({ exclusiveMinimum: 0 }), unit: Type.String({ minLength: 1, maxLength: 16 }) },
          { additionalProperties: false },
        ),
      ),
    ),
    /** Tightest tolerance asked, ± millimetres. */
    tolerance: Type.Optional(
      field(Type.Object({ mm: Type.Number({ exclusiveMinimum: 0 }) }, { additionalProperties: false })),
    ),
    /** Surface finish / treatment ids (`anodizing`, `powder-coating`, `polishing`, …). */
    finish: Type.Optional(field(Type.Array(Id, { maxItems: 8 }))),
    /** Certification ids as written by the network: `ISO9001`, `IATF16949`, `ISO13485`, `AS9100`. */
    certifications: Type.Optional(
      field(Type.Array(Type.String({ minLength: 1, maxLength: 32 }), { maxItems: 8 })),
    ),
    /** Delivery deadline: an ISO date, and the days from the need's date when the text said "30天内". */
    deadline: Type.Optional(
      field(
        Type.Object(
          {
            date: Type.String({ format: 'date', maxLength: 10 }),
            days: Type.Optional(Type.Integer({ minimum: 0, maximum: 3650 })),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    /** Where to deliver, as said (a city), plus a region code when known (`CN-GD`, `DE-HH`). */
    deliveryPlace: Type.Optional(
      field(
        Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 100 }),
            region: Type.Optional(Type.String({ maxLength: 16 })),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    /** Budget, total or per unit. */
    budget: Type.Optional(
      field(
        Type.Object(
          {
            amount: Type.Number({ minimum: 0 }),
            currency: Type.String({ minLength: 3, maxLength: 3 }),
            per: Type.Union([Type.Literal('total'), Type.Literal('unit')]),
          },
          { additionalProperties: false },
        ),
      ),
    ),
  },
  { additionalProperties: false },
);

export const NeedSpecSchema = Type.Object(
  {
    /** The text as the buyer wrote it (after the size check). */
    text: Type.String({ maxLength: 4000 }),
    /** The language detected. */
    language: Type.Union([
      Type.Literal('zh-Hans'),
      Type.Literal('zh-Hant'),
      Type.Literal('en'),
      Type.Literal('mixed'),
    ]),
    fields: NeedFieldsSchema,
    /** Which parser made it: `builtin`, or `llm:<model>`; and why the LLM was not used, when it was not. */
    parser: Type.String({ maxLength: 100 }),
    warnings: Type.Array(Type.String({ maxLength: 300 }), { maxItems: 32 }),
  },
  { additionalProperties: false },
);

export type NeedFields = Static<typeof NeedFieldsSchema>;
export type NeedSpec = Static<typeof NeedSpecSchema>;
export type NeedFieldName = keyof NeedFields;

/** The field names, in the schema's order (also the order the parser and the dashboard show them). */
export const NEED_FIELD_NAMES = Object.keys(NeedFieldsSchema.properties) as readonly NeedFieldName[];
