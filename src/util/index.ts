/**
 * Shared helpers with no I/O of their own: errors with stable codes, the clock, the logger.
 *
 * @example
 * throw new WeftError('NOT_FOUND', `no transaction ${id}`);
 */
export * from './clock.js';
export * from './errors.js';
export * from './logger.js';
