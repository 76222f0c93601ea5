/**
 * The node's OPC UA certificate store (PKI): one folder under the data dir, shared by every OPC UA
 * source of the node, so a site trusts one client certificate whichever server it runs.
 *
 * Layout (node-opcua's): `own/certs/client_certificate.pem` (made on first connect, self-signed, 10
 * years), `own/private/private_key.pem` (mode 0600), `trusted/certs/`, `rejected/`, `issuers/`.
 * Everything is made in-process (node-opcua-pki is pure JavaScript since 6.x): no OpenSSL, no prompt, no
 * file outside `dir` — node-opcua's default store under `~/.config/node-opcua-default` is never used.
 *
 * With security mode None the server certificate is not checked. With Sign / SignAndEncrypt a server
 * certificate not in `trusted/certs/` is refused and copied to `rejected/`; move it to
 * `trusted/certs/` to trust it (the usual OPC UA workflow) and restart the node — the store is scanned
 * when opened, not watched — or set `acceptUnknownServerCertificates` (tests, labs).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { OPCUACertificateManager } from 'node-opcua';
import { WeftError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';

export interface OpcuaPkiOptions {
  /** The store's folder, e.g. `<dataDir>/opcua-pki`. */
  dir: string;
  /** Trust any server certificate (tests and labs only). */
  acceptUnknownServerCertificates: boolean;
}

export const defaultOpcuaPkiOptions: Omit<OpcuaPkiOptions, 'dir'> = {
  acceptUnknownServerCertificates: false,
};

export interface OpcuaPkiDeps {
  logger: Logger;
}

/** A shared certificate store: `acquire()` by each source on start, `release()` on stop; disposed with the last. */
export class OpcuaPki {
  private manager: Promise<OPCUACertificateManager> | undefined;
  private users = 0;

  constructor(
    readonly opts: OpcuaPkiOptions,
    private readonly deps: OpcuaPkiDeps,
  ) {}

  /** The initialised certificate manager (folders and private key made on first use). */
  async acquire(): Promise<OPCUACertificateManager> {
    this.users++;
    if (!this.manager) {
      const opening = this.open();
      this.manager = opening;
      // A failed open is tried again by the next acquire.
      opening.catch(() => {
        if (this.manager === opening) this.manager = undefined;
      });
    }
    try {
      return await this.manager;
    } catch (e) {
      this.users--;
      throw e;
    }
  }

  /** Where the client certificate is (made on first connect): give it to servers that must trust this node. */
  get certificateFile(): string {
    return join(this.opts.dir, 'own', 'certs', 'client_certificate.pem');
  }

  /** Where refused server certificates land; move one to `trustedFolder` to trust it. */
  get rejectedFolder(): string {
    return join(this.opts.dir, 'rejected');
  }

  get trustedFolder(): string {
    return join(this.opts.dir, 'trusted', 'certs');
  }

  async release(): Promise<void> {
    if (this.users === 0) return;
    this.users--;
    if (this.users > 0 || !this.manager) return;
    const pending = this.manager;
    this.manager = undefined;
    const manager = await pending.catch(() => undefined);
    await manager
      ?.dispose()
      .catch((e: unknown) => this.deps.logger.debug({ err: e }, 'opcua pki dispose failed'));
  }

  private async open(): Promise<OPCUACertificateManager> {
    const { dir } = this.opts;
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw new WeftError(
        'CONFIG',
        `cannot create the OPC UA certificate folder ${dir}: ${(e as Error).message}`,
        {
          cause: e,
        },
      );
    }
    const { OPCUACertificateManager } = await import('node-opcua');
    const manager = new OPCUACertificateManager({
      rootFolder: dir,
      automaticallyAcceptUnknownCertificate: this.opts.acceptUnknownServerCertificates,
      // Watchers (chokidar) would hold handles open until dispose and cost a thread-pool slot each;
      // the store is scanned when opened instead.
      disableFileWatchers: true,
    });
    try {
      await manager.initialize();
    } catch (e) {
      throw new WeftError(
        'CONFIG',
        `cannot initialise the OPC UA certificate store in ${dir}: ${(e as Error).message}`,
        {
          cause: e,
        },
      );
    }
    this.deps.logger.debug({ dir }, 'opcua certificate store ready');
    return manager;
  }
}
