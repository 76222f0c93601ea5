import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseArgs, UsageError } from '../../../src/cli/args.js';
import { matchingOptionsOf } from '../../../src/cli/need.js';
import { defaultNodeMatchingOptions } from '../../../src/matching/index.js';

const of = (argv: string[], env: NodeJS.ProcessEnv = {}) => matchingOptionsOf(parseArgs(argv), env);

test('--matching.* flags set the node’s matching options over the defaults', () => {
  const o = of([
    'start',
    '--matching.capabilities.margin',
    '0.2',
    '--matching.decide.minScore',
    '0.5',
    '--matching.pricing.learn',
    'false',
    '--matching.pricing.maxMargin',
    '0.3',
    '--matching.pricing.shareWinProbability',
    'true',
    '--matching.parser.llm.baseUrl',
    'http://127.0.0.1:11434/v1',
  ]);
  assert.equal(o.capabilities.margin, 0.2);
  assert.equal(o.decide.minScore, 0.5);
  assert.deepEqual(o.pricing, { learn: false, maxMargin: 0.3, shareWinProbability: true });
  assert.equal(o.parser.llm?.baseUrl, 'http://127.0.0.1:11434/v1');
  assert.deepEqual(of(['start']), defaultNodeMatchingOptions, 'no flag: the defaults');
});

test('a wrong --matching.* flag is a usage error that names it; the model key only from the environment', () => {
  const refused = (argv: string[], re: RegExp) =>
    assert.throws(
      () => of(['start', ...argv]),
      (e) => e instanceof UsageError && re.test(e.message),
    );
  refused(['--matching.pricing.bogus', '1'], /unknown option --matching\.pricing\.bogus/);
  refused(['--matching.pricing.learn', 'maybe'], /--matching\.pricing\.learn must be true or false/);
  refused(['--matching.pricing.minMargin', 'lots'], /matching\.pricing\.minMargin/);
  refused(['--matching.parser.llm.apiKey', 'sk-1'], /WEFT_LLM_API_KEY/);
  const withKey = of(['start', '--matching.parser.llm.baseUrl', 'http://h/v1'], { WEFT_LLM_API_KEY: 'sk-2' });
  assert.equal(withKey.parser.llm?.apiKey, 'sk-2');
});
