/**
 * Google's Firestore emulator for tests (`gcloud beta emulators firestore start`, a Java server from the Google Cloud
 * CLI of the machine image; `gcloud` is the referee, test/referees.ts): started on a free port of 127.0.0.1 in its own
 * process group, waited for until it answers, and killed with its whole group afterwards.
 */
import { spawn } from 'node:child_process';
import { freePort } from '../ports';

export interface FirestoreEmulator {
  /** host:port, as FIRESTORE_EMULATOR_HOST takes it. */
  readonly host: string;
  stop(): Promise<void>;
}


export async function startFirestoreEmulator(timeoutMs = 60_000): Promise<FirestoreEmulator> {
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const child = spawn('gcloud', ['beta', 'emulators', 'firestore', 'start', `--host-port=${host}`, '--quiet'], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (d: Buffer) => void (log = (log + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
    await exited;
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`http://${host}/`);
      if (res.ok) return { host, stop };
    } catch {
      // not up yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`the Firestore emulator did not answer on ${host}:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
