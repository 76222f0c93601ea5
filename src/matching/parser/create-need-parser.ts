/**
 * Builds the node's need parser from its options: the built-in parser alone, or a large model in front
 * of it when an endpoint is configured.
 */
import {
  BuiltinNeedParser,
  type BuiltinNeedParserOptions,
  defaultBuiltinNeedParserOptions,
} from './builtin-need-parser.js';
import { LlmNeedParser, type LlmNeedParserOptions, type NeedParserLogger } from './llm-need-parser.js';
import type { NeedParser } from './need-parser.js';

export interface NeedParserOptions {
  builtin: BuiltinNeedParserOptions;
  /** An OpenAI-compatible endpoint to try first; null: the built-in parser only. */
  llm: (Partial<LlmNeedParserOptions> & Pick<LlmNeedParserOptions, 'baseUrl' | 'model'>) | null;
}

export const defaultNeedParserOptions: NeedParserOptions = {
  builtin: defaultBuiltinNeedParserOptions,
  llm: null,
};

export function createNeedParser(opts: NeedParserOptions, deps: { logger: NeedParserLogger }): NeedParser {
  const builtin = new BuiltinNeedParser(opts.builtin);
  if (opts.llm === null) return builtin;
  return new LlmNeedParser(opts.llm, { fallback: builtin, logger: deps.logger });
}
