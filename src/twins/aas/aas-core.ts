/**
 * The AAS 3.0 SDK (`@aas-core-works/aas-core3.0-typescript`), loaded through its CommonJS build.
 *
 * The package's ESM build imports its own modules without file extensions (`./common`), which Node's
 * ESM loader cannot resolve, so `import … from '@aas-core-works/aas-core3.0-typescript'` fails at run
 * time outside a bundler. Its CommonJS build works; the types are the same.
 */
import { createRequire } from 'node:module';
import type * as AasCore from '@aas-core-works/aas-core3.0-typescript';

const require = createRequire(import.meta.url);

/** The SDK's namespaces: `types`, `jsonization`, `verification`, `stringification`. */
export const aas = require('@aas-core-works/aas-core3.0-typescript') as typeof AasCore;

export type { AasCore };

/** Plain JSON, as served and imported. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A JSON object (a serialised shell, submodel, element…). */
export type JsonObject = { [key: string]: Json };
