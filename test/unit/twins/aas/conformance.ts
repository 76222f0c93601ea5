/**
 * The AAS 3.0 conformance files in ../shared/conformance/aas-3.0 (JSON schema and examples), for the
 * AAS tests. `loadAasConformance()` is undefined when the folder is absent: tests skip then.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Ajv2019 from 'ajv/dist/2019.js';
import addFormats from 'ajv-formats';

export const AAS_DIR = fileURLToPath(new URL('../../../../../shared/conformance/aas-3.0/', import.meta.url));
export const AAS_SKIP = !existsSync(`${AAS_DIR}aas.json`) && 'needs ../shared/conformance/aas-3.0 (absent)';

export type Validate = (json: unknown) => string[];

export interface AasConformance {
  /** Errors of a shell against definitions/AssetAdministrationShell ([] when valid). */
  shell: Validate;
  submodel: Validate;
  environment: Validate;
  /** Every example environment: `Property/maximal.json` → parsed JSON. */
  examples: Map<string, Record<string, unknown>>;
}

const SCHEMA_ID = 'https://admin-shell.io/aas/3/0';

export function loadAasConformance(): AasConformance | undefined {
  if (AAS_SKIP) return undefined;
  const schema = JSON.parse(readFileSync(`${AAS_DIR}aas.json`, 'utf8')) as { $id: string };
  // The AAS schema is draft 2019-09; its patterns use \uXXXX escapes that need non-unicode RegExps.
  // CommonJS modules under NodeNext: the classes are on `.default`.
  const ajv = new Ajv2019.default({ strict: false, allErrors: true, unicodeRegExp: false });
  addFormats.default(ajv);
  ajv.addSchema(schema);
  const compile = (ref: string): Validate => {
    const v = ajv.getSchema(ref);
    if (!v) throw new Error(`no ${ref} in the AAS schema`);
    return (json) => (v(json) ? [] : (v.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`));
  };
  const examples = new Map<string, Record<string, unknown>>();
  const dir = `${AAS_DIR}examples/`;
  if (existsSync(dir)) {
    for (const kind of readdirSync(dir).sort()) {
      for (const file of readdirSync(`${dir}${kind}`).sort()) {
        if (file.endsWith('.json')) {
          examples.set(`${kind}/${file}`, JSON.parse(readFileSync(`${dir}${kind}/${file}`, 'utf8')));
        }
      }
    }
  }
  return {
    shell: compile(`${SCHEMA_ID}#/definitions/AssetAdministrationShell`),
    submodel: compile(`${SCHEMA_ID}#/definitions/Submodel`),
    environment: compile(SCHEMA_ID),
    examples,
  };
}
