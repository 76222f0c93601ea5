/**
 * Sharing under the supplier's policy: what a partner may read of this factory's twins.
 *
 * A grant is ODRL-like (W3C ODRL 2.2: a permission with an assignee, a target, an action and
 * constraints): partner-specific (the assignee is one subscriber id), order-scoped (the target is one
 * order's progress), limited in time (notBefore / notAfter) and in purpose. Nothing is shared without
 * a grant; a grant past its time, revoked, or asked for another purpose allows nothing.
 *
 * What is shared is a snapshot, signed by this node (Ed25519 over the canonical JSON, with a domain
 * prefix so it can never be mistaken for a message or receipt), and every value in it carries the
 * source timestamp and sequence number it came with from the shop floor.
 */

import type { KeyObject } from 'node:crypto';
import { randomUUID, sign, verify } from 'node:crypto';
import { canonicalJson } from '../protocol/canonical.js';
import type { TwinChange } from './twin-store.js';

export interface Grant {
  id: string;
  /** Subscriber id of the partner allowed. */
  assignee: string;
  target: { type: 'order-progress'; orderId: string };
  action: 'read';
  /** Purposes allowed (`order-tracking`, `quality-audit`, …). */
  purposes: string[];
  /** ms since epoch. */
  notBefore: number;
  notAfter: number;
  issuedAt: number;
  revoked: boolean;
}

export type Decision =
  | { allow: true; grant: Grant }
  | { allow: false; code: 'NO_GRANT' | 'EXPIRED' | 'NOT_YET' | 'PURPOSE' | 'REVOKED'; reason: string };

export interface GrantBookDeps {
  load: () => Promise<Grant[]>;
  save: (grants: Grant[]) => Promise<void>;
  now: () => number;
}

export class GrantBook {
  private grants: Grant[] = [];

  constructor(private readonly deps: GrantBookDeps) {}

  async start(): Promise<void> {
    this.grants = await this.deps.load();
  }

  list(): Grant[] {
    return structuredClone(this.grants);
  }

  /** Grants `assignee` reading the progress of `orderId` for `purposes`, until `notAfter`. */
  async issue(input: {
    assignee: string;
    orderId: string;
    purposes?: string[];
    notBefore?: number;
    notAfter: number;
  }): Promise<Grant> {
    const now = this.deps.now();
    const grant: Grant = {
      id: randomUUID(),
      assignee: input.assignee,
      target: { type: 'order-progress', orderId: input.orderId },
      action: 'read',
      purposes: input.purposes ?? ['order-tracking'],
      notBefore: input.notBefore ?? now,
      notAfter: input.notAfter,
      issuedAt: now,
      revoked: false,
    };
    this.grants.push(grant);
    await this.deps.save(this.grants);
    return structuredClone(grant);
  }

  async revoke(id: string): Promise<boolean> {
    const g = this.grants.find((x) => x.id === id);
    if (!g || g.revoked) return false;
    g.revoked = true;
    await this.deps.save(this.grants);
    return true;
  }

  /** Whether `requester` may read the progress of `orderId` for `purpose` now; the reason when not. */
  evaluate(requester: string, orderId: string, purpose: string): Decision {
    const now = this.deps.now();
    const mine = this.grants.filter((g) => g.assignee === requester && g.target.orderId === orderId);
    if (mine.length === 0) {
      return { allow: false, code: 'NO_GRANT', reason: `no grant for ${requester} on order ${orderId}` };
    }
    const live = mine.filter((g) => !g.revoked);
    if (live.length === 0) return { allow: false, code: 'REVOKED', reason: 'the grant was revoked' };
    const forPurpose = live.filter((g) => g.purposes.includes(purpose));
    if (forPurpose.length === 0) {
      return {
        allow: false,
        code: 'PURPOSE',
        reason: `purpose "${purpose}" is not granted (granted: ${[...new Set(live.flatMap((g) => g.purposes))].join(', ')})`,
      };
    }
    const current = forPurpose.find((g) => g.notBefore <= now && now <= g.notAfter);
    if (current) return { allow: true, grant: structuredClone(current) };
    if (forPurpose.every((g) => g.notAfter < now)) {
      const end = Math.max(...forPurpose.map((g) => g.notAfter));
      return { allow: false, code: 'EXPIRED', reason: `the grant expired at ${new Date(end).toISOString()}` };
    }
    return { allow: false, code: 'NOT_YET', reason: 'the grant is not valid yet' };
  }
}

// ------------------------------------------------------------------ signed snapshots

const SNAPSHOT_DOMAIN = 'weft-snapshot-v1\n';

/** A value as shared: with the shop floor's own timestamp and sequence number. */
export type SharedValue = TwinChange;

export interface ProgressSnapshot {
  v: 1;
  kind: 'order-progress';
  order_id: string;
  /** The supplier (this node) and the partner it was made for. */
  supplier: string;
  recipient: string;
  grant_id: string;
  purpose: string;
  /** ms since epoch. */
  issued_at: number;
  progress: {
    code: string | undefined;
    done: number;
    total: number;
    scrap: number;
    lots_inspected: number;
    lots_failed: number;
    shipment: string;
  };
  jobs: Array<{ job_id: string; process: string; asset_id: string; quantity: number; done: number }>;
  values: SharedValue[];
}

export interface SignedSnapshot extends ProgressSnapshot {
  key_id: string;
  signature: string;
}

function snapshotBytes(s: ProgressSnapshot & { key_id: string }): Buffer {
  return Buffer.from(SNAPSHOT_DOMAIN + canonicalJson(s));
}

export function signSnapshot(s: ProgressSnapshot, keyId: string, privateKey: KeyObject): SignedSnapshot {
  const unsigned = { ...s, key_id: keyId };
  return { ...unsigned, signature: sign(null, snapshotBytes(unsigned), privateKey).toString('base64') };
}

export function verifySnapshot(s: SignedSnapshot, publicKey: KeyObject): boolean {
  const { signature, ...rest } = s;
  try {
    return verify(null, snapshotBytes(rest), publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}
