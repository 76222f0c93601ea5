/**
 * Command-line parsing: `--name value`, `--name=value`, boolean `--flag`, and dotted option paths
 * (`--api.port 0`) mapped onto typed options. The only module that sees argv.
 */
export interface ParsedArgs {
  positional: string[];
  flags: Map<string, string | true>;
}

export function parseArgs(argv: string[], booleans: ReadonlySet<string> = new Set()): ParsedArgs {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) {
        flags.set(a.slice(2, eq), a.slice(eq + 1));
      } else {
        const name = a.slice(2);
        const next = argv[i + 1];
        if (!booleans.has(name) && next !== undefined && !next.startsWith('--')) {
          flags.set(name, next);
          i++;
        } else {
          flags.set(name, true);
        }
      }
    } else if (a === '-h') {
      flags.set('help', true);
    } else {
      positional.push(a);
    }
  }
  return { positional, flags };
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function str(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags.get(name);
  if (v === true) throw new UsageError(`--${name} needs a value`);
  return v;
}

export function req(args: ParsedArgs, name: string): string {
  const v = str(args, name);
  if (v === undefined) throw new UsageError(`--${name} is required`);
  return v;
}

export function int(args: ParsedArgs, name: string): number | undefined {
  const v = str(args, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError(`--${name} must be a whole number, got "${v}"`);
  return Number(v);
}

export function list(args: ParsedArgs, name: string): string[] | undefined {
  const v = str(args, name);
  return v === undefined
    ? undefined
    : v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
}

export function bool(args: ParsedArgs, name: string): boolean {
  const v = args.flags.get(name);
  return v === true || v === 'true' || v === '1';
}

/**
 * Applies dotted flags (`--api.port 0`, `--outbox.concurrency 8`) to a copy of `defaults`,
 * converting each value to the type of the default it replaces. Unknown paths are usage errors.
 */
export function applyDotted<T extends object>(defaults: T, args: ParsedArgs, sections: readonly string[]): T {
  const out = structuredClone(defaults) as Record<string, Record<string, unknown>>;
  for (const [k, v] of args.flags) {
    const dot = k.indexOf('.');
    if (dot < 0) continue;
    const section = k.slice(0, dot);
    // Deeper paths (`--p2p.needCatchUp.lowMs`) go down nested option objects.
    const path = k.slice(dot + 1).split('.');
    const key = path.pop()!;
    let target: Record<string, unknown> | undefined = sections.includes(section) ? out[section] : undefined;
    for (const part of path) {
      const next: unknown = target?.[part];
      target =
        next !== null && typeof next === 'object' && !Array.isArray(next)
          ? (next as Record<string, unknown>)
          : undefined;
    }
    if (!target || !(key in target)) {
      throw new UsageError(`unknown option --${k}`);
    }
    const current = target[key];
    if (current !== null && typeof current === 'object' && !Array.isArray(current)) {
      throw new UsageError(`--${k} is a group of options: set --${k}.<name>`);
    }
    if (typeof current === 'number') {
      const n = Number(v);
      if (v === true || !Number.isFinite(n)) throw new UsageError(`--${k} must be a number`);
      target[key] = n;
    } else if (typeof current === 'boolean') {
      if (v !== true && v !== 'true' && v !== 'false') throw new UsageError(`--${k} must be true or false`);
      target[key] = v === true || v === 'true';
    } else if (Array.isArray(current)) {
      if (v === true) throw new UsageError(`--${k} needs a value (comma-separated)`);
      target[key] = v
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);
    } else {
      if (v === true) throw new UsageError(`--${k} needs a value`);
      target[key] = v;
    }
  }
  return out as T;
}
