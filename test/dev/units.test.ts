/** The parts of allframe dev that need no emulator: the schedule environment, log lines, the ready table, tools, ports. */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { formatLogLine, isEmulatorChatter, readyTable } from '../../src/cli/dev';
import { createLocalBuckets, LOCAL_BUCKETS_DIR } from '../../src/dev/buckets';
import { servicePorts } from '../../src/dev/index';
import { scheduleEnvironment, triggerRun } from '../../src/dev/schedule';
import { findTool, MissingToolsError, requireTools } from '../../src/dev/tools';
import type { ResolvedService } from '../../src/resolve/model';
import { check } from '../helpers';

function scheduled(cron: string, timezone?: string): ResolvedService {
  const text = `architecture: { name: cron-test }\ncloud: { primary: aws, aws: { region: eu-west-1 } }\nservices:\n  - name: job\n    type: scheduled\n    schedule: { cron: "${cron}"${timezone !== undefined ? `, timezone: ${timezone}` : ''} }\n`;
  const model = check(text).model;
  if (!model) throw new Error('invalid');
  return model.services[0]!;
}

describe('scheduled services fire on their cron, in their time zone', () => {
  test('a scheduled service is given its cron and time zone, so that its container fires the job itself', () => {
    expect(scheduleEnvironment(scheduled('0 2 * * *', 'Europe/Amsterdam'))).toEqual({ SCHEDULE_CRON: '0 2 * * *', SCHEDULE_TIMEZONE: 'Europe/Amsterdam' });
  });

  test('without a time zone, UTC', () => {
    expect(scheduleEnvironment(scheduled('30 6 * * 1'))).toEqual({ SCHEDULE_CRON: '30 6 * * 1', SCHEDULE_TIMEZONE: 'UTC' });
  });

  test('other services are given nothing', () => {
    const text = 'architecture: { name: cron-test }\ncloud: { primary: aws, aws: { region: eu-west-1 } }\nservices:\n  - name: api\n    type: stateless\n';
    expect(scheduleEnvironment(check(text).model!.services[0]!)).toEqual({});
  });

  describe('--trigger', () => {
    let server: Server;
    let url: string;
    beforeAll(async () => {
      server = createServer((req, res) => {
        res.writeHead(req.method === 'POST' && req.url === '/run' ? 200 : 404, { 'content-type': 'application/json' }).end('{"status":"succeeded"}');
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    test('triggerRun posts /run now and returns the status and the parsed body', async () => {
      expect(await triggerRun(url)).toEqual({ status: 200, body: { status: 'succeeded' } });
    });
  });
});

describe('log lines', () => {
  const pino = JSON.stringify({ level: 30, time: '2026-12-06T12:00:00.000Z', service: 'order-api', msg: 'listening', port: 4710 });
  test('pretty: the source padded, a pino line as level, message and its other fields', () => {
    expect(formatLogLine({ source: 'order-api', stream: 'stdout', text: pino }, { format: 'pretty', color: false }, 12)).toBe('order-api    | info listening port=4710');
    expect(formatLogLine({ source: 'postgres', stream: 'stderr', text: 'LOG:  ready' }, { format: 'pretty', color: false }, 12)).toBe('postgres     | LOG:  ready');
    expect(formatLogLine({ source: 'x', stream: 'stdout', text: JSON.stringify({ level: 50, msg: 'boom', err: { message: 'no' } }) }, { format: 'pretty', color: true }, 1)).toContain('\u001b[31merror\u001b[39m boom err={"message":"no"}');
  });

  test('json: one object a line with the source and stream, pino fields kept, other text as msg', () => {
    expect(JSON.parse(formatLogLine({ source: 'order-api', stream: 'stdout', text: pino }, { format: 'json', color: false }, 12))).toEqual({ source: 'order-api', stream: 'stdout', level: 30, time: '2026-12-06T12:00:00.000Z', service: 'order-api', msg: 'listening', port: 4710 });
    expect(JSON.parse(formatLogLine({ source: 'redis', stream: 'stdout', text: 'Ready to accept connections' }, { format: 'json', color: false }, 12))).toEqual({ source: 'redis', stream: 'stdout', msg: 'Ready to accept connections' });
  });

  test("moto's request log is chatter; its other lines are not", () => {
    expect(isEmulatorChatter({ source: 'moto', stream: 'stderr', text: '127.0.0.1 - - [06/Dec/2026 12:39:57] "POST / HTTP/1.1" 200 -' })).toBe(true);
    expect(isEmulatorChatter({ source: 'moto', stream: 'stderr', text: ' * Running on http://127.0.0.1:4700' })).toBe(false);
  });

  test('the ready table lists the started services with their URL and docs page, the emulators and the differences', () => {
    const lines = readyTable([{ name: 'order-api', kind: 'stateless', url: 'http://127.0.0.1:4710', started: true }, { name: 'other', kind: 'consumer', url: 'http://127.0.0.1:4711', started: false }], new Map([['moto', 'http://127.0.0.1:4700']]), ['sagas run in process'], 2.345);
    expect(lines[0]).toBe('allframe dev: 1 service ready in 2.3 s');
    expect(lines).toContain('  order-api  stateless  http://127.0.0.1:4710      http://127.0.0.1:4710/docs');
    expect(lines.join('\n')).not.toContain('other');
    expect(lines).toContain('  moto       emulator   http://127.0.0.1:4700');
    expect(lines).toContain('  - sagas run in process');
  });
});

describe('tools and ports', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'allframe-tools-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('a missing tool is named with how to install it, all of them in one error', () => {
    symlinkSync(process.execPath, join(dir, 'moto_server'));
    const env = { PATH: dir };
    expect(findTool('moto_server', env)).toBe(join(dir, 'moto_server'));
    let error: unknown;
    try {
      requireTools(['moto_server', 'redis-server', 'gcloud'], env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MissingToolsError);
    expect((error as MissingToolsError).missing).toEqual(['redis-server', 'gcloud']);
    expect((error as Error).message).toBe(
      [
        'allframe dev needs programs that are not installed:',
        '  redis-server: the Redis server: apt-get install redis-server',
        '  gcloud: the Google Cloud CLI with its emulators: gcloud components install beta pubsub-emulator cloud-firestore-emulator',
      ].join('\n'),
    );
  });

  test('ports are deterministic: the base + 10 + the place of the service in the file, whatever --only starts', () => {
    const model = check('architecture: { name: ports-test }\ncloud: { primary: aws, aws: { region: eu-west-1 } }\nservices:\n  - { name: alpha-api, type: stateless }\n  - { name: beta-api, type: stateless }\n').model!;
    expect([...servicePorts(model, 5000)]).toEqual([['alpha-api', 5010], ['beta-api', 5011]]);
    expect([...servicePorts(model)]).toEqual([['alpha-api', 4710], ['beta-api', 4711]]);
  });
});

describe('subscription filters, as the gcp flavour applies them', () => {
  test('attributes.KEY = "VALUE" terms joined by OR; any other form is refused, never ignored', () => {
    const { passesFilter } = jest.requireActual<typeof import('../../src/dev/gcp-plan')>('../../src/dev/gcp-plan');
    expect(passesFilter('attributes.type = "A" OR attributes.type = "B"', { type: 'B' })).toBe(true);
    expect(passesFilter('attributes.type = "A\\"x"', { type: 'A"x' })).toBe(true);
    expect(passesFilter('attributes.type = "A"', {})).toBe(false);
    expect(() => passesFilter('hasPrefix(attributes.type, "A")', { type: 'A' })).toThrow('the local run does not evaluate the subscription filter');
  });
});

describe('buckets as directories (gcp and fly flavours)', () => {
  test('GIVEN bucket names WHEN created twice THEN a directory each under the run\'s buckets directory, and what is in them is kept', () => {
    // GIVEN
    const dir = join(mkdtempSync(join(tmpdir(), 'allframe-buckets-')), LOCAL_BUCKETS_DIR);
    try {
      // WHEN
      createLocalBuckets(dir, ['shop-archive', 'shop-media']);
      writeFileSync(join(dir, 'shop-archive', 'kept.txt'), 'x');
      createLocalBuckets(dir, ['shop-archive', 'shop-media']);
      // THEN
      expect(readdirSync(dir).sort()).toEqual(['shop-archive', 'shop-media']);
      expect(readdirSync(join(dir, 'shop-archive'))).toEqual(['kept.txt']);
    } finally {
      rmSync(dirname(dir), { recursive: true, force: true });
    }
  });
});
