/**
 * The external MQTT broker the Mosquitto tests run against: `WEFT_MQTT_URL`, else Mosquitto on
 * 127.0.0.1:1883 (started before every session and before CI), and the skip reason when none listens.
 */
import { connect as tcpConnect } from 'node:net';

export const EXTERNAL_MQTT_URL = process.env.WEFT_MQTT_URL ?? 'mqtt://127.0.0.1:1883';

/** Whether something accepts TCP connections at the broker's host and port. */
export function listening(url: string): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = tcpConnect({ host: u.hostname, port: Number(u.port || 1883) });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1_000, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** `false` when the external broker is up, else why the tests skip. */
export async function externalBrokerSkip(): Promise<false | string> {
  return (await listening(EXTERNAL_MQTT_URL))
    ? false
    : `no MQTT broker listens at ${EXTERNAL_MQTT_URL} (start Mosquitto, or set WEFT_MQTT_URL)`;
}
