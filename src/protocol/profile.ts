/**
 * A node's profile: who the company is and what it does. Kept in `profile.json` in the data dir.
 *
 * Wire shape: `{ "name": "Dongguan Precision CNC", "roles": ["supplier"], "country": "CHN", "city": "std:0769",
 *   "region": "CN-GD", "categories": ["cnc-machining"], "certifications": ["ISO9001"], "uri": "http://127.0.0.1:7002/beckn" }`
 */
import { type Static, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';

export const RoleSchema = Type.Union([Type.Literal('buyer'), Type.Literal('supplier')]);
export type Role = Static<typeof RoleSchema>;

export const ProfileSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    roles: Type.Array(RoleSchema, { minItems: 1, maxItems: 2, uniqueItems: true }),
    /** ISO 3166-1 alpha-3 country code, as Beckn `context.location.country.code`. */
    country: Type.String({ pattern: '^[A-Z]{3}$' }),
    /** City code as Beckn `context.location.city.code` (e.g. `std:0769`). */
    city: Type.String({ minLength: 1, maxLength: 64 }),
    /** Region the node serves and listens in (ISO 3166-2, e.g. `CN-GD`). */
    region: Type.String({ minLength: 1, maxLength: 32 }),
    categories: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 64 }),
    certifications: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 64 }),
    /** Public base URI of the node's Beckn endpoints; empty means "derive from the listen address". */
    uri: Type.String({ maxLength: 1024 }),
  },
  { additionalProperties: false },
);
export type Profile = Static<typeof ProfileSchema>;

const profileCheck = TypeCompiler.Compile(ProfileSchema);

/** The reasons a value is not a valid profile (empty when it is one). */
export function profileErrors(value: unknown): string[] {
  return [...profileCheck.Errors(value)].slice(0, 10).map((e) => `${e.path || '/'}: ${e.message}`);
}

export const defaultProfile: Profile = {
  name: 'Weft node',
  roles: ['buyer', 'supplier'],
  country: 'CHN',
  city: 'std:0769',
  region: 'CN-GD',
  categories: [],
  certifications: [],
  uri: '',
};
