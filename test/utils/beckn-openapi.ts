/**
 * Validates Beckn bodies against the published Beckn core 1.1.1 OpenAPI file (`transaction.yaml`)
 * with Ajv: an independent check of every message the node emits, next to our own TypeBox schemas.
 *
 * ```ts
 * const validate = loadBecknOpenApi();
 * if (validate) assert.deepEqual(validate('select', body), []);
 * ```
 * Returns undefined where `../shared/conformance` is absent (a user's clone), so tests can skip.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import YAML from 'yaml';
import type { Action } from '../../src/protocol/index.js';
import { ACTIONS } from '../../src/protocol/index.js';

/** The shared conformance fixtures: the repository is cloned at X, the fixtures are at X/../shared. */
export const CONFORMANCE_DIR = new URL('../../../shared/conformance/', import.meta.url);
export const TRANSACTION_YAML = new URL('beckn-core-1.1.1/transaction.yaml', CONFORMANCE_DIR);

/** The errors of a body against its action's request schema; empty when it is valid. */
export type BecknOpenApiValidator = (action: Action, body: unknown) => string[];

let cached: BecknOpenApiValidator | undefined;

export function loadBecknOpenApi(): BecknOpenApiValidator | undefined {
  if (cached) return cached;
  const file = fileURLToPath(TRANSACTION_YAML);
  if (!existsSync(file)) return undefined;
  const doc = YAML.parse(readFileSync(file, 'utf8')) as { paths: Record<string, unknown> };
  const ajv = new Ajv2020.default({ strict: false, allErrors: true });
  addFormats.default(ajv);
  // Core gives Support's phones a `phone` format, which JSON Schema does not define; accept any string.
  ajv.addFormat('phone', true);
  // Added whole, so `#/components/schemas/…` and `#/paths/…` refs resolve inside the document.
  ajv.addSchema(doc, 'beckn-core-1.1.1');
  const validators = new Map(
    ACTIONS.map((action) => {
      if (!doc.paths[`/${action}`]) throw new Error(`transaction.yaml has no path /${action}`);
      const pointer = `#/paths/~1${action}/post/requestBody/content/application~1json/schema`;
      const validate = ajv.getSchema(`beckn-core-1.1.1${pointer}`);
      if (!validate) throw new Error(`transaction.yaml has no request schema at ${pointer}`);
      return [action, validate] as const;
    }),
  );
  cached = (action, body) => {
    const validate = validators.get(action);
    if (!validate) return [`unknown action ${action}`];
    if (validate(body)) return [];
    return (validate.errors ?? []).map(
      (e) => `${e.instancePath || '/'} ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`,
    );
  };
  return cached;
}
