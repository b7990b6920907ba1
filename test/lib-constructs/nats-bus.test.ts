import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errors, type NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { NATS_ADMIN_PASSWORD_VARIABLE, NATS_ADMIN_USER } from '../../lib-constructs/core/nats-defaults';
import {
  natsDlqStreamName,
  natsDlqSubject,
  natsDurable,
  natsEventSubject,
  natsFallbackDurables,
  natsInboxPrefix,
  natsPasswordVariable,
  natsPublisherPrefix,
  natsStreamName,
  natsUserPermissions,
  renderNatsServerConfig,
  type NatsBusProps,
} from '../../lib-constructs/fly/nats-bus';
import * as platform from '../../src/skeletons/platform/src/nats';
import { recordingLogger, startNatsServer, type NatsServer } from '../nats';
import { describeWithReferee } from '../referees';

const PLACED = natsEventSubject('shop', 'order-service', 'OrderPlaced');
const CANCELLED = natsEventSubject('shop', 'order-service', 'OrderCancelled');
const PROPS: NatsBusProps = {
  architecture: 'shop',
  services: [
    { name: 'order-service', publishes: true, consumes: [] },
    { name: 'mailer', publishes: false, consumes: [PLACED, CANCELLED] },
    { name: 'billing', publishes: true, consumes: [PLACED] },
    { name: 'live-gateway', publishes: false, consumes: [], broadcasts: [CANCELLED] },
  ],
};

describe('NATS bus names', () => {
  test('GIVEN an architecture and services WHEN named THEN streams, subjects, users and variables follow the convention', () => {
    expect(natsStreamName('shop')).toBe('SHOP_EVENTS');
    expect(natsStreamName('my-shop')).toBe('MY_SHOP_EVENTS');
    expect(natsDlqStreamName('my-shop')).toBe('MY_SHOP_DLQ');
    expect(natsPublisherPrefix('shop', 'order-service')).toBe('shop.events.order-service');
    expect(PLACED).toBe('shop.events.order-service.OrderPlaced');
    expect(natsDlqSubject('shop', 'mailer')).toBe('shop.dlq.mailer');
    expect(natsPasswordVariable('order-service')).toBe('NATS_PASSWORD_ORDER_SERVICE');
    expect(natsInboxPrefix('mailer')).toBe('_INBOX.mailer');
  });

  test('GIVEN consumed subjects WHEN durables are planned THEN one durable on 2.10+, else <service>-<n> in sorted order', () => {
    expect(natsDurable('mailer', [PLACED, CANCELLED, PLACED])).toEqual({ name: 'mailer', subjects: [CANCELLED, PLACED] });
    expect(natsFallbackDurables('mailer', [PLACED, CANCELLED])).toEqual([
      { name: 'mailer-1', subjects: [CANCELLED] },
      { name: 'mailer-2', subjects: [PLACED] },
    ]);
  });

  test('GIVEN the platform package WHEN it names the same things THEN it agrees with the bus (the permissions are written from these)', () => {
    for (const arch of ['shop', 'my-shop']) {
      expect(platform.natsStreamName(arch)).toBe(natsStreamName(arch));
      expect(platform.natsDlqStreamName(arch)).toBe(natsDlqStreamName(arch));
    }
    expect(platform.natsInboxPrefix('mailer')).toBe(natsInboxPrefix('mailer'));
    expect(platform.natsArchitectureOf(natsPublisherPrefix('my-shop', 'a'))).toBe('my-shop');
    expect(platform.planDurables('mailer', [PLACED, CANCELLED], '2.9.10').durables).toEqual(natsFallbackDurables('mailer', [PLACED, CANCELLED]));
    expect(platform.planDurables('mailer', [PLACED, CANCELLED], '2.10.22').durables).toEqual([natsDurable('mailer', [PLACED, CANCELLED])]);
  });
});

describe('NATS user permissions', () => {
  test('GIVEN a publisher that consumes nothing WHEN its permissions are written THEN it may publish its own events and make sure of the events stream, and read its inbox', () => {
    expect(natsUserPermissions('shop', { name: 'order-service', publishes: true, consumes: [] })).toEqual({
      publish: ['shop.events.order-service.>', '$JS.API.STREAM.INFO.SHOP_EVENTS', '$JS.API.STREAM.CREATE.SHOP_EVENTS'],
      subscribe: ['_INBOX.order-service.>'],
    });
  });

  test('GIVEN a consumer of one subject WHEN its permissions are written THEN its durables are created only with that filter', () => {
    const p = natsUserPermissions('shop', { name: 'billing', publishes: false, consumes: [PLACED] });
    expect(p.publish).toEqual([
      '$JS.API.STREAM.INFO.SHOP_EVENTS',
      '$JS.API.STREAM.CREATE.SHOP_EVENTS',
      'shop.dlq.billing',
      '$JS.API.STREAM.INFO.SHOP_DLQ',
      '$JS.API.STREAM.CREATE.SHOP_DLQ',
      // NATS 2.10+: the durable named after the service
      '$JS.API.CONSUMER.INFO.SHOP_EVENTS.billing',
      `$JS.API.CONSUMER.CREATE.SHOP_EVENTS.billing.${PLACED}`,
      '$JS.API.CONSUMER.MSG.NEXT.SHOP_EVENTS.billing',
      '$JS.ACK.SHOP_EVENTS.billing.>',
      '$JS.ACK.*.*.SHOP_EVENTS.billing.>',
      // before 2.10: one per subject
      '$JS.API.CONSUMER.INFO.SHOP_EVENTS.billing-1',
      `$JS.API.CONSUMER.CREATE.SHOP_EVENTS.billing-1.${PLACED}`,
      '$JS.API.CONSUMER.MSG.NEXT.SHOP_EVENTS.billing-1',
      '$JS.ACK.SHOP_EVENTS.billing-1.>',
      '$JS.ACK.*.*.SHOP_EVENTS.billing-1.>',
    ]);
    expect(p.subscribe).toEqual([
      '_INBOX.billing.>',
      '$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.SHOP_EVENTS.billing',
      '$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.SHOP_EVENTS.billing-1',
    ]);
  });

  test('GIVEN a consumer of several subjects WHEN its permissions are written THEN its 2.10 durable is created through DURABLE.CREATE, the fallback ones each with its filter', () => {
    const p = natsUserPermissions('shop', { name: 'mailer', publishes: false, consumes: [PLACED, CANCELLED] });
    expect(p.publish).toContain('$JS.API.CONSUMER.DURABLE.CREATE.SHOP_EVENTS.mailer');
    expect(p.publish).toContain(`$JS.API.CONSUMER.CREATE.SHOP_EVENTS.mailer-1.${CANCELLED}`);
    expect(p.publish).toContain(`$JS.API.CONSUMER.CREATE.SHOP_EVENTS.mailer-2.${PLACED}`);
    expect(p.publish).not.toContain('shop.events.mailer.>');
    expect(p.publish.filter((s) => s.includes('MSG.GET') || s.includes('DIRECT') || s.includes('UPDATE') || s.includes('DELETE'))).toEqual([]);
  });

  test('GIVEN a gateway broadcasting two subjects WHEN its permissions are written THEN it may create consumers of any name filtering each, and nothing to pull, acknowledge, dead-letter or delete', () => {
    expect(natsUserPermissions('shop', { name: 'live-gateway', publishes: false, consumes: [], broadcasts: [PLACED, CANCELLED, PLACED] })).toEqual({
      publish: ['$JS.API.STREAM.INFO.SHOP_EVENTS', '$JS.API.STREAM.CREATE.SHOP_EVENTS', `$JS.API.CONSUMER.CREATE.SHOP_EVENTS.*.${CANCELLED}`, `$JS.API.CONSUMER.CREATE.SHOP_EVENTS.*.${PLACED}`],
      // the messages come to its inbox
      subscribe: ['_INBOX.live-gateway.>'],
    });
  });
});

describe('renderNatsServerConfig', () => {
  test('GIVEN defaults WHEN rendered THEN ports 4222 and 8222 on ::, JetStream on the volume, passwords from the environment', () => {
    const text = renderNatsServerConfig(PROPS);
    expect(text).toContain('listen: "[::]:4222"');
    expect(text).toContain('http: "[::]:8222"');
    expect(text).toContain('store_dir: "/data/jetstream"');
    expect(text).toContain('max_file_store: 805306368');
    expect(text).toContain('server_name: "shop-bus"');
    // unquoted: a variable reference; the subjects quoted: a literal `$`
    expect(text).toContain('password: $NATS_PASSWORD_ORDER_SERVICE\n');
    expect(text).toContain('"$JS.API.STREAM.INFO.SHOP_EVENTS"');
    expect(text).toContain(`{ user: "${NATS_ADMIN_USER}", password: $${NATS_ADMIN_PASSWORD_VARIABLE} }`);
  });

  test('GIVEN no admin and other sizes WHEN rendered THEN they are honoured', () => {
    const text = renderNatsServerConfig({ ...PROPS, admin: false, maxFileStore: 10 * 1024 ** 3, storeDir: '/var/lib/nats', host: '0.0.0.0', port: 4333, monitorPort: 8333 });
    expect(text).not.toContain(NATS_ADMIN_USER);
    expect(text).toContain('max_file_store: 10737418240');
    expect(text).toContain('listen: "0.0.0.0:4333"');
    expect(text).toContain('http: "0.0.0.0:8333"');
  });

  test('GIVEN props with several mistakes WHEN rendered THEN one error lists them all', () => {
    const render = () =>
      renderNatsServerConfig({
        architecture: 'Shop',
        services: [
          { name: 'a', publishes: true, consumes: ['other.events.b.X'] },
          { name: 'a', publishes: true, consumes: [] },
        ],
        maxFileStore: 0,
      });
    expect(render).toThrow(/architecture "Shop" is not kebab-case.*not Shop\.events\.<publisher>\.<EventType>.*service a is listed twice.*maxFileStore must be a positive whole number/);
    expect(() => renderNatsServerConfig({ architecture: 'shop', services: [], admin: false })).toThrow('no user');
  });
});

describeWithReferee('nats-server', 'the rendered configuration on a real nats-server', () => {
  function check(config: string, env: Record<string, string>): { status: number | null; output: string } {
    const dir = mkdtempSync(join(tmpdir(), 'allframe-nats-conf-'));
    try {
      writeFileSync(join(dir, 'nats.conf'), config);
      const r = spawnSync('nats-server', ['-c', join(dir, 'nats.conf'), '-t'], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env } });
      return { status: r.status, output: `${r.stdout}${r.stderr}` };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const passwords = (): Record<string, string> => Object.fromEntries([...PROPS.services.map((s) => [natsPasswordVariable(s.name), `p${s.name.length}secret`]), [NATS_ADMIN_PASSWORD_VARIABLE, 'adminsecret']]);

  test('GIVEN the default configuration and every password WHEN the server checks it THEN it is valid', () => {
    expect(check(renderNatsServerConfig(PROPS), passwords())).toEqual({ status: 0, output: expect.stringContaining('is valid') as unknown });
  });

  test('GIVEN a password variable that is not set WHEN the server checks the configuration THEN it refuses, naming the variable', () => {
    const env = passwords();
    delete env[natsPasswordVariable('mailer')];
    const r = check(renderNatsServerConfig(PROPS), env);
    expect(r.status).not.toBe(0);
    expect(r.output).toContain("variable reference for 'NATS_PASSWORD_MAILER'");
  });

  describe('least privilege', () => {
    let server: NatsServer;
    const open: NatsConnection[] = [];
    const as = async (user: string, password = server.passwords[user] ?? ''): Promise<NatsConnection> => {
      const nc = await connect({ servers: server.url, user, pass: password, inboxPrefix: natsInboxPrefix(user), maxReconnectAttempts: 0 });
      open.push(nc);
      return nc;
    };

    beforeAll(async () => {
      server = await startNatsServer(PROPS);
      // the mailer and billing make sure of the streams and their durables, as at start-up
      for (const [name, subjects] of [['mailer', [PLACED, CANCELLED]], ['billing', [PLACED]]] as const) {
        const consumer = await platform.startJetStreamConsumer({
          connection: { servers: [server.url], user: name, password: server.passwords[name] ?? '' },
          stream: 'SHOP_EVENTS',
          consumer: name,
          filterSubjects: subjects,
          maxDeliver: 3,
          ackWaitSeconds: 30,
          dlqSubject: natsDlqSubject('shop', name),
          process: () => Promise.resolve({ batchItemFailures: [] }),
          logger: recordingLogger(),
        });
        await consumer.stop();
      }
    }, 30_000);

    afterAll(async () => {
      await Promise.all(open.map((nc) => nc.close()));
      await server?.stop();
    });

    test('GIVEN the monitoring port WHEN /healthz is called THEN it answers ok (the checks Fly runs)', async () => {
      const r = await fetch(`${server.monitorUrl}/healthz`);
      expect(r.status).toBe(200);
    });

    test('GIVEN a wrong password WHEN a service connects THEN it is refused', async () => {
      await expect(as('billing', 'not-the-password')).rejects.toThrow(/Authorization/i);
    });

    test('GIVEN the order service WHEN it publishes its own event THEN the stream takes it', async () => {
      const ack = await jetstream(await as('order-service')).publish(PLACED, '{}');
      expect(ack.stream).toBe('SHOP_EVENTS');
    });

    test("GIVEN billing WHEN it publishes on the order service's subject THEN the server refuses", async () => {
      const nc = await as('billing');
      await expect(jetstream(nc).publish(PLACED, '{}', { timeout: 2000 })).rejects.toThrow(/Permissions Violation for Publish to "shop\.events\.order-service\.OrderPlaced"/);
      // and logs it (what the platform's tests check is absent from their servers' logs)
      const logged = /Publish Violation - User "billing", Subject "shop\.events\.order-service\.OrderPlaced"/;
      while (!logged.test(server.log())) await new Promise((resolve) => setTimeout(resolve, 20));
    });

    test("GIVEN billing WHEN it reads, pulls from or re-creates the mailer's durable THEN the server refuses each", async () => {
      const nc = await as('billing');
      const jsm = await jetstreamManager(nc, { checkAPI: false });
      await expect(jsm.consumers.info('SHOP_EVENTS', 'mailer-1')).rejects.toThrow(/Permissions Violation for Publish to "\$JS\.API\.CONSUMER\.INFO\.SHOP_EVENTS\.mailer-1"/);
      await expect(jsm.consumers.add('SHOP_EVENTS', { durable_name: 'mailer-1', ack_policy: 'explicit', filter_subject: CANCELLED })).rejects.toThrow(/Permissions Violation/);
      // a pull request, as the client sends it
      await expect(nc.request('$JS.API.CONSUMER.MSG.NEXT.SHOP_EVENTS.mailer-1', JSON.stringify({ batch: 1, expires: 1e9 }), { timeout: 2000 })).rejects.toThrow(
        /Permissions Violation for Publish to "\$JS\.API\.CONSUMER\.MSG\.NEXT\.SHOP_EVENTS\.mailer-1"/,
      );
    });

    test('GIVEN billing WHEN it widens its own durable to every event THEN the server refuses (the filter is part of the permission)', async () => {
      const jsm = await jetstreamManager(await as('billing'), { checkAPI: false });
      await expect(jsm.consumers.add('SHOP_EVENTS', { durable_name: 'billing-1', ack_policy: 'explicit', filter_subject: 'shop.events.>' })).rejects.toThrow(/Permissions Violation/);
    });

    test('GIVEN billing WHEN it reads a message by sequence or edits a stream THEN the server refuses', async () => {
      const jsm = await jetstreamManager(await as('billing'), { checkAPI: false });
      await expect(jsm.streams.getMessage('SHOP_EVENTS', { seq: 1 })).rejects.toThrow(/Permissions Violation/);
      await expect(jsm.streams.update('SHOP_EVENTS', { max_age: 1 })).rejects.toThrow(/Permissions Violation/);
    });

    test("GIVEN billing WHEN it subscribes to the events or the mailer's inbox THEN the server refuses", async () => {
      const nc = await as('billing');
      for (const subject of ['shop.events.>', `${natsInboxPrefix('mailer')}.>`, 'shop.dlq.mailer']) {
        const sub = nc.subscribe(subject);
        await expect(sub.closed).resolves.toBeInstanceOf(errors.PermissionViolationError);
      }
    });

    test('GIVEN the gateway WHEN it follows its subject THEN it may; WHEN it follows another, pulls or deletes a consumer THEN the server refuses', async () => {
      // GIVEN a Machine of the gateway following its subject, as at start-up
      const follower = await platform.startJetStreamBroadcast({
        connection: { servers: [server.url], user: 'live-gateway', password: server.passwords['live-gateway'] ?? '' },
        stream: 'SHOP_EVENTS',
        consumer: 'live-gateway',
        filterSubjects: [CANCELLED],
        process: () => Promise.resolve({ batchItemFailures: [] }),
        logger: recordingLogger(),
      });
      const [name = ''] = follower.consumers();
      await follower.stop();
      // WHEN it tries more
      const nc = await as('live-gateway');
      const jsm = await jetstreamManager(nc, { checkAPI: false });
      const deliver = `${natsInboxPrefix('live-gateway')}.x`;
      await expect(jsm.consumers.add('SHOP_EVENTS', { name: 'spy', deliver_subject: deliver, ack_policy: 'none', filter_subject: PLACED })).rejects.toThrow(/Permissions Violation/);
      await expect(jsm.consumers.add('SHOP_EVENTS', { name: 'spy', deliver_subject: deliver, ack_policy: 'none', filter_subject: 'shop.events.>' })).rejects.toThrow(/Permissions Violation/);
      await expect(jsm.consumers.delete('SHOP_EVENTS', name)).rejects.toThrow(/Permissions Violation/);
      await expect(nc.request('$JS.API.CONSUMER.MSG.NEXT.SHOP_EVENTS.mailer-1', JSON.stringify({ batch: 1, expires: 1e9 }), { timeout: 2000 })).rejects.toThrow(/Permissions Violation/);
      // THEN the one it made filtered its subject only, and did not wait for acknowledgements
      const info = await jsm.consumers.add('SHOP_EVENTS', { name: 'own', deliver_subject: deliver, ack_policy: 'none', filter_subject: CANCELLED, inactive_threshold: 1e9 });
      expect([info.config.filter_subject, info.config.ack_policy]).toEqual([CANCELLED, 'none']);
      expect(name).toMatch(/^live-gateway-[0-9a-f]{8}-1-1$/);
    });

    test("GIVEN the operators' user WHEN it reads a dead-letter stream THEN it may", async () => {
      const jsm = await jetstreamManager(await as(NATS_ADMIN_USER));
      expect((await jsm.streams.info('SHOP_DLQ')).config.subjects).toEqual(['shop.dlq.>']);
    });
  });
});
