import { type DestinationStream, type Logger as PinoLogger, pino } from 'pino';

/**
 * Structured logs (pino). Levels:
 * - `error`: the node cannot do something it must (store failure, ledger broken); an operator should act.
 * - `warn`: a peer or client sent something bad, or a delivery is being retried; the node carries on.
 * - `info`: lifecycle and business events (started, listening, deal step sent/received).
 * - `debug`: per-message detail for troubleshooting.
 */
export type Logger = PinoLogger;

export interface LoggerOptions {
  level: 'silent' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
  /** A name shown on every line, e.g. the node's name. */
  name?: string;
}

export const defaultLoggerOptions: LoggerOptions = { level: 'info' };

export function createLogger(opts: LoggerOptions, destination?: DestinationStream): Logger {
  const base = { level: opts.level, ...(opts.name ? { name: opts.name } : {}) };
  return destination ? pino(base, destination) : pino(base);
}

/** A logger that writes nothing, for tests and benchmarks. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
