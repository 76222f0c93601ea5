/**
 * The Beckn core 1.1.1 objects the 20 transaction actions carry, as TypeBox schemas, written from the
 * core schema definitions (protocol-specifications, tag core-v1.1.1, `schema/*.yaml`).
 *
 * Wire shape (an order, abridged):
 * ```
 * { "id": "ord-1", "provider": { "id": "p1" },
 *   "items": [{ "id": "it-1", "quantity": { "selected": { "count": 200 } } }],
 *   "fulfillments": [{ "id": "f1", "type": "Delivery", "stops": [{ "type": "end", "location": { "gps": "22.9,113.7" } }] }],
 *   "quote": { "price": { "currency": "CNY", "value": "18400.00" },
 *              "breakup": [{ "title": "machining", "price": { "currency": "CNY", "value": "18000.00" } }] },
 *   "payments": [{ "type": "ON-FULFILLMENT", "status": "NOT-PAID" }] }
 * ```
 *
 * As in core, every property is optional and unknown properties are allowed (Beckn is extended by
 * networks through extra properties and tags). Unlike core, every string has a maxLength and every
 * array a maxItems, so one field cannot hold the whole body budget, and decimal values must be whole
 * decimal numbers (core's DecimalValue pattern is unanchored and matches any text with a digit).
 * Where core gives a property no type (Payment.collected_by, Category.ttl) we take a string.
 * These schemas are strict core: the tolerated ONDC deviations live in `deviations.ts`.
 */
import { type Static, type TProperties, type TSchema, Type } from '@sinclair/typebox';
import './formats.js';

// Length limits. Generous for real data, small against the 1 MiB-class body limit.
const CODE = 128;
const ID = 256;
const NAME = 512;
const SHORT_TEXT = 2048;
const LONG_TEXT = 16_384;
const URL = 4096;
const TAG_VALUE = 4096;
const DECIMAL = 64;

// Item limits: a catalogue may list thousands of items; everything else is small.
const MANY = 10_000;
const SOME = 1000;
const FEW = 100;
const MEDIA = 32;

const Str = (maxLength: number) => Type.String({ maxLength });
const Opt = Type.Optional;
const List = <T extends TSchema>(items: T, maxItems: number) => Type.Array(items, { maxItems });
/**
 * A named object schema. TypeBox's compiler emits one function per `$id` and calls it wherever the
 * schema is embedded, so the validator of an on_search (Catalog → Provider → Item → …) is about
 * a hundred kilobytes of code, not several megabytes.
 */
const Named = <T extends TProperties>(id: string, properties: T) => Type.Object(properties, { $id: id });
export const UriSchema = Type.String({ format: 'uri', maxLength: URL });
export const DateTimeSchema = Type.String({ format: 'date-time', maxLength: 64 });
export const UuidSchema = Type.String({ format: 'uuid', maxLength: 36 });

/** A decimal number as a string: `"18400.00"`, `"-0.5"`, `".5"`. */
export const DecimalValueSchema = Type.String({ pattern: '^[+-]?([0-9]*[.])?[0-9]+$', maxLength: DECIMAL });
export type DecimalValue = Static<typeof DecimalValueSchema>;

/** An ISO 8601 duration such as `PT30S` or `P7D` (core types it only as a string). */
export const DurationSchema = Str(64);
export type Duration = Static<typeof DurationSchema>;

/** `"lat,lon"` in decimal degrees. */
export const GpsSchema = Type.String({
  pattern:
    '^[-+]?([1-8]?\\d(\\.\\d+)?|90(\\.0+)?),\\s*[-+]?(180(\\.0+)?|((1[0-7]\\d)|([1-9]?\\d))(\\.\\d+)?)$',
  maxLength: 64,
});
export type Gps = Static<typeof GpsSchema>;

/** A postal address, as one string. */
export const AddressSchema = Str(SHORT_TEXT);
export type Address = Static<typeof AddressSchema>;

export const ImageSchema = Named('Image', {
  url: Opt(UriSchema),
  size_type: Opt(
    Type.Union([
      Type.Literal('xs'),
      Type.Literal('sm'),
      Type.Literal('md'),
      Type.Literal('lg'),
      Type.Literal('xl'),
      Type.Literal('custom'),
    ]),
  ),
  width: Opt(Str(32)),
  height: Opt(Str(32)),
});
export type Image = Static<typeof ImageSchema>;

export const MediaFileSchema = Named('MediaFile', {
  mimetype: Opt(Str(CODE)),
  url: Opt(UriSchema),
  signature: Opt(Str(TAG_VALUE)),
  dsa: Opt(Str(CODE)),
});
export type MediaFile = Static<typeof MediaFileSchema>;

export const DescriptorSchema = Named('Descriptor', {
  name: Opt(Str(NAME)),
  code: Opt(Str(CODE)),
  short_desc: Opt(Str(SHORT_TEXT)),
  long_desc: Opt(Str(LONG_TEXT)),
  additional_desc: Opt(
    Type.Object({
      url: Opt(Str(URL)),
      content_type: Opt(
        Type.Union([Type.Literal('text/plain'), Type.Literal('text/html'), Type.Literal('application/json')]),
      ),
    }),
  ),
  media: Opt(List(MediaFileSchema, MEDIA)),
  images: Opt(List(ImageSchema, MEDIA)),
});
export type Descriptor = Static<typeof DescriptorSchema>;

export const CitySchema = Named('City', { name: Opt(Str(NAME)), code: Opt(Str(CODE)) });
export type City = Static<typeof CitySchema>;

export const StateSchema = Named('State', { name: Opt(Str(NAME)), code: Opt(Str(CODE)) });
export type State = Static<typeof StateSchema>;

export const CountrySchema = Named('Country', { name: Opt(Str(NAME)), code: Opt(Str(CODE)) });
export type Country = Static<typeof CountrySchema>;

export const ScalarSchema = Named('Scalar', {
  type: Opt(Type.Union([Type.Literal('CONSTANT'), Type.Literal('VARIABLE')])),
  value: Opt(DecimalValueSchema),
  estimated_value: Opt(DecimalValueSchema),
  computed_value: Opt(DecimalValueSchema),
  range: Opt(Type.Object({ min: Opt(DecimalValueSchema), max: Opt(DecimalValueSchema) })),
  unit: Opt(Str(CODE)),
});
export type Scalar = Static<typeof ScalarSchema>;

export const CircleSchema = Named('Circle', { gps: Opt(GpsSchema), radius: Opt(ScalarSchema) });
export type Circle = Static<typeof CircleSchema>;

/** A rating value (core `Rating.value`), e.g. `"4.5"`. */
export const RatingValueSchema = Str(64);

export const RatingSchema = Named('Rating', {
  rating_category: Opt(
    Type.Union([
      Type.Literal('Item'),
      Type.Literal('Order'),
      Type.Literal('Fulfillment'),
      Type.Literal('Provider'),
      Type.Literal('Agent'),
      Type.Literal('Support'),
    ]),
  ),
  id: Opt(Str(ID)),
  value: Opt(RatingValueSchema),
});
export type Rating = Static<typeof RatingSchema>;

export const LocationSchema = Named('Location', {
  id: Opt(Str(ID)),
  descriptor: Opt(DescriptorSchema),
  map_url: Opt(UriSchema),
  gps: Opt(GpsSchema),
  address: Opt(AddressSchema),
  city: Opt(CitySchema),
  district: Opt(Str(NAME)),
  state: Opt(StateSchema),
  country: Opt(CountrySchema),
  area_code: Opt(Str(CODE)),
  circle: Opt(CircleSchema),
  polygon: Opt(Str(LONG_TEXT)),
  '3dspace': Opt(Str(LONG_TEXT)),
  rating: Opt(RatingValueSchema),
});
export type Location = Static<typeof LocationSchema>;

export const ContactSchema = Named('Contact', {
  phone: Opt(Str(64)),
  email: Opt(Str(NAME)),
  /** A jCard (draft-ietf-jcardcal-jcard-03). */
  jcard: Opt(Type.Record(Type.String(), Type.Unknown())),
});
export type Contact = Static<typeof ContactSchema>;

export const ScheduleSchema = Named('Schedule', {
  frequency: Opt(DurationSchema),
  holidays: Opt(List(DateTimeSchema, 366)),
  times: Opt(List(DateTimeSchema, SOME)),
});
export type Schedule = Static<typeof ScheduleSchema>;

export const TimeSchema = Named('Time', {
  label: Opt(Str(CODE)),
  timestamp: Opt(DateTimeSchema),
  duration: Opt(DurationSchema),
  range: Opt(Type.Object({ start: Opt(DateTimeSchema), end: Opt(DateTimeSchema) })),
  /** Comma-separated ISO weekday numbers, e.g. `"1,2,3,4,5"`. */
  days: Opt(Str(64)),
  schedule: Opt(ScheduleSchema),
});
export type Time = Static<typeof TimeSchema>;

export const OrganizationSchema = Named('Organization', {
  descriptor: Opt(DescriptorSchema),
  address: Opt(AddressSchema),
  state: Opt(StateSchema),
  city: Opt(CitySchema),
  contact: Opt(ContactSchema),
});
export type Organization = Static<typeof OrganizationSchema>;

export const TagSchema = Named('Tag', {
  descriptor: Opt(DescriptorSchema),
  value: Opt(Str(TAG_VALUE)),
  display: Opt(Type.Boolean()),
});
export type Tag = Static<typeof TagSchema>;

export const TagGroupSchema = Named('TagGroup', {
  display: Opt(Type.Boolean()),
  descriptor: Opt(DescriptorSchema),
  list: Opt(List(TagSchema, 256)),
});
export type TagGroup = Static<typeof TagGroupSchema>;

const Tags = List(TagGroupSchema, FEW);
const Ids = List(Str(ID), SOME);

export const CredentialSchema = Named('Credential', {
  id: Opt(Str(ID)),
  type: Opt(Str(CODE)),
  url: Opt(UriSchema),
});
export type Credential = Static<typeof CredentialSchema>;

export const LanguageSchema = Named('Language', { code: Opt(Str(CODE)), name: Opt(Str(NAME)) });
export type Language = Static<typeof LanguageSchema>;

export const SkillSchema = Named('Skill', { code: Opt(Str(CODE)), name: Opt(Str(NAME)) });
export type Skill = Static<typeof SkillSchema>;

export const PersonSchema = Named('Person', {
  id: Opt(Str(ID)),
  url: Opt(UriSchema),
  name: Opt(Str(NAME)),
  image: Opt(ImageSchema),
  age: Opt(DurationSchema),
  dob: Opt(Type.String({ format: 'date', maxLength: 10 })),
  gender: Opt(Str(64)),
  creds: Opt(List(CredentialSchema, FEW)),
  languages: Opt(List(LanguageSchema, FEW)),
  skills: Opt(List(SkillSchema, FEW)),
  tags: Opt(Tags),
});
export type Person = Static<typeof PersonSchema>;

export const CustomerSchema = Named('Customer', { person: Opt(PersonSchema), contact: Opt(ContactSchema) });
export type Customer = Static<typeof CustomerSchema>;

export const AgentSchema = Named('Agent', {
  person: Opt(PersonSchema),
  contact: Opt(ContactSchema),
  organization: Opt(OrganizationSchema),
  rating: Opt(RatingValueSchema),
});
export type Agent = Static<typeof AgentSchema>;

export const VehicleSchema = Named('Vehicle', {
  category: Opt(Str(CODE)),
  capacity: Opt(Type.Integer()),
  make: Opt(Str(NAME)),
  model: Opt(Str(NAME)),
  size: Opt(Str(CODE)),
  variant: Opt(Str(CODE)),
  color: Opt(Str(CODE)),
  energy_type: Opt(Str(CODE)),
  registration: Opt(Str(CODE)),
  wheels_count: Opt(Str(CODE)),
  cargo_volumne: Opt(Str(CODE)),
  wheelchair_access: Opt(Str(CODE)),
  code: Opt(Str(CODE)),
  emission_standard: Opt(Str(CODE)),
});
export type Vehicle = Static<typeof VehicleSchema>;

export const AuthorizationSchema = Named('Authorization', {
  type: Opt(Str(CODE)),
  token: Opt(Str(TAG_VALUE)),
  valid_from: Opt(DateTimeSchema),
  valid_to: Opt(DateTimeSchema),
  status: Opt(Str(CODE)),
});
export type Authorization = Static<typeof AuthorizationSchema>;

export const StopSchema = Named('Stop', {
  id: Opt(Str(ID)),
  parent_stop_id: Opt(Str(ID)),
  location: Opt(LocationSchema),
  type: Opt(Str(CODE)),
  time: Opt(TimeSchema),
  instructions: Opt(DescriptorSchema),
  contact: Opt(ContactSchema),
  person: Opt(PersonSchema),
  authorization: Opt(AuthorizationSchema),
});
export type Stop = Static<typeof StopSchema>;

/** The state of a fulfillment; `descriptor.code` carries the network's state code (e.g. `Order-picked-up`). */
export const FulfillmentStateSchema = Named('FulfillmentState', {
  descriptor: Opt(DescriptorSchema),
  updated_at: Opt(DateTimeSchema),
  updated_by: Opt(Str(ID)),
});
export type FulfillmentState = Static<typeof FulfillmentStateSchema>;

export const FulfillmentSchema = Named('Fulfillment', {
  id: Opt(Str(ID)),
  type: Opt(Str(CODE)),
  rateable: Opt(Type.Boolean()),
  rating: Opt(RatingValueSchema),
  state: Opt(FulfillmentStateSchema),
  /** Whether the fulfillment can be tracked with `track`. */
  tracking: Opt(Type.Boolean()),
  customer: Opt(CustomerSchema),
  agent: Opt(AgentSchema),
  contact: Opt(ContactSchema),
  vehicle: Opt(VehicleSchema),
  stops: Opt(List(StopSchema, FEW)),
  path: Opt(Str(LONG_TEXT)),
  tags: Opt(Tags),
});
export type Fulfillment = Static<typeof FulfillmentSchema>;

export const PriceSchema = Named('Price', {
  currency: Opt(Str(16)),
  value: Opt(DecimalValueSchema),
  estimated_value: Opt(DecimalValueSchema),
  computed_value: Opt(DecimalValueSchema),
  listed_value: Opt(DecimalValueSchema),
  offered_value: Opt(DecimalValueSchema),
  minimum_value: Opt(DecimalValueSchema),
  maximum_value: Opt(DecimalValueSchema),
});
export type Price = Static<typeof PriceSchema>;

export const FeeSchema = Named('Fee', { percentage: Opt(DecimalValueSchema), amount: Opt(PriceSchema) });
export type Fee = Static<typeof FeeSchema>;

export const FormSchema = Named('Form', {
  url: Opt(UriSchema),
  data: Opt(Type.Record(Type.String(), Str(TAG_VALUE))),
  mime_type: Opt(Type.Union([Type.Literal('text/html'), Type.Literal('application/xml')])),
  submission_id: Opt(UuidSchema),
});
export type Form = Static<typeof FormSchema>;

export const XInputSchema = Named('XInput', { form: Opt(FormSchema), required: Opt(Type.Boolean()) });
export type XInput = Static<typeof XInputSchema>;

export const PaymentSchema = Named('Payment', {
  id: Opt(Str(ID)),
  /** Who collects the payment: `BAP` or `BPP`. */
  collected_by: Opt(Str(CODE)),
  url: Opt(UriSchema),
  params: Opt(
    Type.Object({
      transaction_id: Opt(Str(ID)),
      amount: Opt(Str(DECIMAL)),
      currency: Opt(Str(16)),
      bank_code: Opt(Str(CODE)),
      bank_account_number: Opt(Str(CODE)),
      virtual_payment_address: Opt(Str(ID)),
      source_bank_code: Opt(Str(CODE)),
      source_bank_account_number: Opt(Str(CODE)),
      source_virtual_payment_address: Opt(Str(ID)),
    }),
  ),
  type: Opt(
    Type.Union([
      Type.Literal('PRE-ORDER'),
      Type.Literal('PRE-FULFILLMENT'),
      Type.Literal('ON-FULFILLMENT'),
      Type.Literal('POST-FULFILLMENT'),
    ]),
  ),
  status: Opt(Type.Union([Type.Literal('PAID'), Type.Literal('NOT-PAID')])),
  time: Opt(TimeSchema),
  tags: Opt(Tags),
});
export type Payment = Static<typeof PaymentSchema>;

export const CategorySchema = Named('Category', {
  id: Opt(Str(ID)),
  parent_category_id: Opt(Str(ID)),
  descriptor: Opt(DescriptorSchema),
  time: Opt(TimeSchema),
  ttl: Opt(Str(64)),
  tags: Opt(Tags),
});
export type Category = Static<typeof CategorySchema>;

export const OfferSchema = Named('Offer', {
  id: Opt(Str(ID)),
  descriptor: Opt(DescriptorSchema),
  location_ids: Opt(Ids),
  category_ids: Opt(Ids),
  item_ids: Opt(Ids),
  time: Opt(TimeSchema),
  tags: Opt(Tags),
});
export type Offer = Static<typeof OfferSchema>;

const countAndMeasure = (minimum: number, maximum?: number) =>
  Type.Object({
    count: Opt(Type.Integer(maximum === undefined ? { minimum } : { minimum, maximum })),
    measure: Opt(ScalarSchema),
  });

export const ItemQuantitySchema = Named('ItemQuantity', {
  allocated: Opt(countAndMeasure(0)),
  available: Opt(countAndMeasure(0)),
  maximum: Opt(countAndMeasure(1)),
  minimum: Opt(countAndMeasure(0)),
  selected: Opt(countAndMeasure(0)),
  unitized: Opt(countAndMeasure(1, 1)),
});
export type ItemQuantity = Static<typeof ItemQuantitySchema>;

export const AddOnSchema = Named('AddOn', {
  id: Opt(Str(ID)),
  descriptor: Opt(DescriptorSchema),
  price: Opt(PriceSchema),
});
export type AddOn = Static<typeof AddOnSchema>;

export const CancellationTermSchema = Named('CancellationTerm', {
  fulfillment_state: Opt(FulfillmentStateSchema),
  reason_required: Opt(Type.Boolean()),
  cancel_by: Opt(TimeSchema),
  cancellation_fee: Opt(FeeSchema),
  xinput: Opt(XInputSchema),
  external_ref: Opt(MediaFileSchema),
});
export type CancellationTerm = Static<typeof CancellationTermSchema>;

export const RefundTermSchema = Named('RefundTerm', {
  fulfillment_state: Opt(StateSchema),
  refund_eligible: Opt(Type.Boolean()),
  refund_within: Opt(TimeSchema),
  refund_amount: Opt(PriceSchema),
});
export type RefundTerm = Static<typeof RefundTermSchema>;

export const ReplacementTermSchema = Named('ReplacementTerm', {
  fulfillment_state: Opt(StateSchema),
  replace_within: Opt(TimeSchema),
  external_ref: Opt(MediaFileSchema),
});
export type ReplacementTerm = Static<typeof ReplacementTermSchema>;

export const ReturnTermSchema = Named('ReturnTerm', {
  fulfillment_state: Opt(StateSchema),
  return_eligible: Opt(Type.Boolean()),
  return_time: Opt(TimeSchema),
  return_location: Opt(LocationSchema),
  fulfillment_managed_by: Opt(Type.Union([Type.Literal('CONSUMER'), Type.Literal('PROVIDER')])),
});
export type ReturnTerm = Static<typeof ReturnTermSchema>;

export const ItemSchema = Named('Item', {
  id: Opt(Str(ID)),
  parent_item_id: Opt(Str(ID)),
  parent_item_quantity: Opt(ItemQuantitySchema),
  descriptor: Opt(DescriptorSchema),
  creator: Opt(OrganizationSchema),
  price: Opt(PriceSchema),
  quantity: Opt(ItemQuantitySchema),
  category_ids: Opt(Ids),
  fulfillment_ids: Opt(Ids),
  location_ids: Opt(Ids),
  payment_ids: Opt(Ids),
  add_ons: Opt(List(AddOnSchema, FEW)),
  cancellation_terms: Opt(List(CancellationTermSchema, FEW)),
  refund_terms: Opt(List(RefundTermSchema, FEW)),
  replacement_terms: Opt(List(ReplacementTermSchema, FEW)),
  return_terms: Opt(List(ReturnTermSchema, FEW)),
  xinput: Opt(XInputSchema),
  time: Opt(TimeSchema),
  rateable: Opt(Type.Boolean()),
  rating: Opt(RatingValueSchema),
  matched: Opt(Type.Boolean()),
  related: Opt(Type.Boolean()),
  recommended: Opt(Type.Boolean()),
  ttl: Opt(Str(64)),
  tags: Opt(Tags),
});
export type Item = Static<typeof ItemSchema>;

export const ProviderSchema = Named('Provider', {
  id: Opt(Str(ID)),
  descriptor: Opt(DescriptorSchema),
  category_id: Opt(Str(ID)),
  rating: Opt(RatingValueSchema),
  time: Opt(TimeSchema),
  categories: Opt(List(CategorySchema, SOME)),
  fulfillments: Opt(List(FulfillmentSchema, SOME)),
  payments: Opt(List(PaymentSchema, FEW)),
  locations: Opt(List(LocationSchema, SOME)),
  offers: Opt(List(OfferSchema, SOME)),
  items: Opt(List(ItemSchema, MANY)),
  exp: Opt(DateTimeSchema),
  rateable: Opt(Type.Boolean()),
  /** Seconds this provider's data may be cached; -1: use once. */
  ttl: Opt(Type.Integer({ minimum: -1 })),
  tags: Opt(Tags),
});
export type Provider = Static<typeof ProviderSchema>;

export const CatalogSchema = Named('Catalog', {
  descriptor: Opt(DescriptorSchema),
  fulfillments: Opt(List(FulfillmentSchema, SOME)),
  payments: Opt(List(PaymentSchema, FEW)),
  offers: Opt(List(OfferSchema, SOME)),
  providers: Opt(List(ProviderSchema, SOME)),
  exp: Opt(DateTimeSchema),
  ttl: Opt(Str(64)),
});
export type Catalog = Static<typeof CatalogSchema>;

export const IntentSchema = Named('Intent', {
  descriptor: Opt(DescriptorSchema),
  provider: Opt(ProviderSchema),
  fulfillment: Opt(FulfillmentSchema),
  payment: Opt(PaymentSchema),
  category: Opt(CategorySchema),
  offer: Opt(OfferSchema),
  item: Opt(ItemSchema),
  tags: Opt(Tags),
});
export type Intent = Static<typeof IntentSchema>;

export const QuotationBreakupSchema = Named('QuotationBreakup', {
  item: Opt(ItemSchema),
  title: Opt(Str(NAME)),
  price: Opt(PriceSchema),
});
export type QuotationBreakup = Static<typeof QuotationBreakupSchema>;

export const QuotationSchema = Named('Quotation', {
  id: Opt(UuidSchema),
  price: Opt(PriceSchema),
  breakup: Opt(List(QuotationBreakupSchema, SOME)),
  ttl: Opt(DurationSchema),
});
export type Quotation = Static<typeof QuotationSchema>;

export const BillingSchema = Named('Billing', {
  name: Opt(Str(NAME)),
  organization: Opt(OrganizationSchema),
  address: Opt(AddressSchema),
  state: Opt(StateSchema),
  city: Opt(CitySchema),
  email: Opt(Type.String({ format: 'email', maxLength: 254 })),
  phone: Opt(Str(64)),
  time: Opt(TimeSchema),
  tax_id: Opt(Str(CODE)),
});
export type Billing = Static<typeof BillingSchema>;

export const OptionSchema = Named('Option', { id: Opt(Str(ID)), descriptor: Opt(DescriptorSchema) });
export type Option = Static<typeof OptionSchema>;

export const CancellationSchema = Named('Cancellation', {
  time: Opt(DateTimeSchema),
  cancelled_by: Opt(Type.Union([Type.Literal('CONSUMER'), Type.Literal('PROVIDER')])),
  reason: Opt(OptionSchema),
  additional_description: Opt(DescriptorSchema),
});
export type Cancellation = Static<typeof CancellationSchema>;

export const OrderSchema = Named('Order', {
  id: Opt(Str(ID)),
  ref_order_ids: Opt(Ids),
  status: Opt(Type.Union([Type.Literal('ACTIVE'), Type.Literal('COMPLETE'), Type.Literal('CANCELLED')])),
  type: Opt(Type.Union([Type.Literal('DRAFT'), Type.Literal('DEFAULT')])),
  provider: Opt(ProviderSchema),
  items: Opt(List(ItemSchema, SOME)),
  add_ons: Opt(List(AddOnSchema, FEW)),
  offers: Opt(List(OfferSchema, FEW)),
  billing: Opt(BillingSchema),
  fulfillments: Opt(List(FulfillmentSchema, FEW)),
  cancellation: Opt(CancellationSchema),
  cancellation_terms: Opt(List(CancellationTermSchema, FEW)),
  refund_terms: Opt(List(RefundTermSchema, FEW)),
  replacement_terms: Opt(List(ReplacementTermSchema, FEW)),
  return_terms: Opt(List(ReturnTermSchema, FEW)),
  quote: Opt(QuotationSchema),
  payments: Opt(List(PaymentSchema, FEW)),
  created_at: Opt(DateTimeSchema),
  updated_at: Opt(DateTimeSchema),
  xinput: Opt(XInputSchema),
  tags: Opt(Tags),
});
export type Order = Static<typeof OrderSchema>;

export const TrackingSchema = Named('Tracking', {
  id: Opt(Str(ID)),
  url: Opt(UriSchema),
  location: Opt(LocationSchema),
  status: Opt(Type.Union([Type.Literal('active'), Type.Literal('inactive')])),
});
export type Tracking = Static<typeof TrackingSchema>;

/** Customer support details. Core gives the phones a non-standard `phone` format, which we do not check. */
export const SupportSchema = Named('Support', {
  ref_id: Opt(Str(ID)),
  callback_phone: Opt(Str(64)),
  phone: Opt(Str(64)),
  email: Opt(Type.String({ format: 'email', maxLength: 254 })),
  url: Opt(UriSchema),
});
export type Support = Static<typeof SupportSchema>;

/** The `error` of a callback or a NACK (core `Error`; `ack.ts` has the shape Weft writes). */
export const BecknErrorSchema = Named('BecknError', {
  code: Opt(Str(CODE)),
  paths: Opt(Str(SHORT_TEXT)),
  message: Opt(Str(SHORT_TEXT)),
});
export type BecknErrorObject = Static<typeof BecknErrorSchema>;

export const AckSchema = Named('Ack', {
  status: Opt(Type.Union([Type.Literal('ACK'), Type.Literal('NACK')])),
  tags: Opt(Tags),
});
export type Ack = Static<typeof AckSchema>;

/** The synchronous response to every Beckn call: `{"message":{"ack":{"status":"ACK"}}}`, plus `error` on NACK. */
export const AckResponseSchema = Named('AckResponse', {
  message: Type.Object({
    ack: Type.Object({
      status: Type.Union([Type.Literal('ACK'), Type.Literal('NACK')]),
      tags: Opt(Tags),
    }),
  }),
  error: Opt(BecknErrorSchema),
});
export type AckResponse = Static<typeof AckResponseSchema>;
