/**
 * The ledger: a hash-chained, append-only log of every message sent and received, each with the
 * sender's signature and the receiver's counter-signed receipt; `verify()` rechecks it all, and a
 * transaction's entries export as a signed bundle that anyone can check offline with `verifyBundle()`.
 *
 * @example
 * const ledger = new Ledger(defaultLedgerOptions, { store, clock, logger, keys, subscriberId, resolveKey });
 * await ledger.init();
 * const entry = await ledger.record(
 *   { direction: 'in', counterparty, action, transactionId, messageId, body, authorization, receipt },
 *   (e) => store.inbox.accept(e), // false for a duplicate: nothing written, entry undefined
 * );
 * const report = await ledger.verify(); // { ok: true, entries } or { ok: false, entries, firstBad }
 * const bundle = await ledger.exportBundle(transactionId);
 * verifyBundle(JSON.parse(JSON.stringify(bundle))); // { ok: true, transactionId, exporter, entries }
 */
export {
  type BadEntry,
  BUNDLE_FORMAT,
  BUNDLE_VERSION,
  type Bundle,
  type BundleEntry,
  type BundleReport,
  type ChainFields,
  type Commit,
  defaultLedgerOptions,
  type EntryCheck,
  entryHash,
  GENESIS_HASH,
  Ledger,
  type LedgerDeps,
  type LedgerEffect,
  type LedgerOptions,
  MAX_BUNDLE_BODY_BYTES,
  MAX_BUNDLE_ENTRIES,
  MAX_BUNDLE_KEYS,
  type RecordInput,
  type RotationProof,
  type VerifyOptions,
  type VerifyReport,
  verifyBundle,
} from './ledger.js';
