/**
 * The built-in MQTT broker: aedes on a TCP server, loopback by default, so a small factory needs no
 * broker of its own. Aedes speaks MQTT 3.1 and 3.1.1 only (no MQTT 5): clients must connect with
 * protocol version 4, which is what Sparkplug B devices and our source use.
 *
 * @example
 * const broker = new BuiltinBroker({ ...defaultBuiltinBrokerOptions, port: 0 }, { logger });
 * await broker.start();
 * broker.url; // mqtt://127.0.0.1:40123
 * await broker.close();
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { Aedes, type AuthenticateError } from 'aedes';
import { WeftError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';

export interface BuiltinBrokerOptions {
  /** Interface to listen on; loopback unless devices on the shop-floor network must reach it. */
  host: string;
  /** 0 takes any free port (read it from `port` after `start`). */
  port: number;
  /** When set, clients must present these credentials. */
  username?: string;
  password?: string;
  /**
   * Messages aedes delivers at once; with the default (100) a burst of publishes waits on slow
   * subscribers sooner. 1000 let the Sparkplug load of bench/telemetry run without stalls.
   */
  concurrency: number;
}

export const defaultBuiltinBrokerOptions: BuiltinBrokerOptions = {
  host: '127.0.0.1',
  port: 1884,
  concurrency: 1000,
};

export interface BuiltinBrokerDeps {
  logger: Logger;
}

export class BuiltinBroker {
  private aedes: Aedes | undefined;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private boundPort = 0;

  constructor(
    readonly options: BuiltinBrokerOptions,
    private readonly deps: BuiltinBrokerDeps,
  ) {}

  /** The port it listens on (after `start`). */
  get port(): number {
    return this.boundPort;
  }

  /** `mqtt://host:port` to give clients. */
  get url(): string {
    const h = this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host;
    return `mqtt://${h === '0.0.0.0' ? '127.0.0.1' : h}:${this.boundPort}`;
  }

  /** Number of connected clients. */
  get clients(): number {
    return this.aedes?.connectedClients ?? 0;
  }

  async start(): Promise<void> {
    if (this.server) throw new WeftError('INTERNAL', 'the built-in broker is already started');
    const { logger } = this.deps;
    const aedes = await Aedes.createBroker({
      concurrency: this.options.concurrency,
      heartbeatInterval: 60_000,
    });
    const { username, password } = this.options;
    if (username !== undefined) {
      const user = Buffer.from(username);
      const pass = Buffer.from(password ?? '');
      aedes.authenticate = (_client, u, p, done) => {
        const ok = u !== undefined && equal(Buffer.from(u), user) && equal(p ?? Buffer.alloc(0), pass);
        if (ok) done(null, true);
        else {
          const err = new Error('bad username or password') as AuthenticateError;
          err.returnCode = 4; // AuthErrorCode.BAD_USERNAME_OR_PASSWORD (a const enum, not importable)
          done(err, false);
        }
      };
    }
    aedes.on('clientError', (client, err) =>
      logger.debug({ client: client.id, err: err.message }, 'MQTT client error'),
    );
    aedes.on('connectionError', (_client, err) =>
      logger.debug({ err: err.message }, 'MQTT connection error'),
    );
    const server = createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      aedes.handle(socket);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch((e: unknown) => {
      aedes.close();
      throw new WeftError(
        'CONFIG',
        `the built-in MQTT broker cannot listen on ${this.options.host}:${this.options.port}: ${(e as Error).message}`,
        { cause: e },
      );
    });
    server.on('error', (e) => logger.error({ err: e }, 'built-in MQTT broker server error'));
    const addr = server.address();
    this.boundPort = typeof addr === 'object' && addr !== null ? addr.port : this.options.port;
    this.aedes = aedes;
    this.server = server;
    logger.info({ url: this.url }, 'built-in MQTT broker listening');
  }

  /** Closes every client connection and the listener; idempotent. */
  async close(): Promise<void> {
    const { aedes, server } = this;
    this.aedes = undefined;
    this.server = undefined;
    if (aedes) await new Promise<void>((resolve) => aedes.close(() => resolve()));
    if (server) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of this.sockets) s.destroy();
      await closed;
    }
  }
}

function equal(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
