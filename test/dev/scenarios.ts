/**
 * What the system tests of both flavours share (aws-system.test.ts, gcp-system.test.ts): the users' own code they
 * put in the generated services, and the scenarios that run the same way on either flavour (a saga, a scheduled job,
 * a circuit breaker), each asserting what is observable over HTTP.
 */
import type { DevRun, DevService } from '../../src/dev';
import type { LogLine } from '../../src/dev/processes';

/**
 * Files of the user's in the system fixtures' services, edited as a user would:
 * - order-mailer's handler takes its time over orders named "slow ..." (a batch can be cut short);
 * - checkout's ChargeCard declines the card "declined";
 * - nightly-report's job takes 1.5 s.
 */
export function systemEdits(files: Map<string, string>): void {
  const edit = (path: string, from: string, to: string) => files.set(path, files.get(path)!.replace(from, to));
  edit('services/order-mailer/src/application/handlers.ts', '  return Promise.resolve();', "  if (String((event.data as { name?: unknown }).name).startsWith('slow')) return new Promise((resolve) => setTimeout(resolve, 1500));\n  return Promise.resolve();");
  edit('services/checkout/src/application/steps.ts', 'chargeCard: () => Promise.resolve({}),', "chargeCard: (ctx) => (ctx.input.card === 'declined' ? Promise.reject(new Error('card declined')) : Promise.resolve({ charged: true })),");
  edit('services/nightly-report/src/application/job.ts', 'await Promise.resolve(); // the work goes here', 'await new Promise((resolve) => setTimeout(resolve, 1500));');
}

/** Polls `get` until it returns something other than undefined, or fails after `ms`. */
export async function eventually<T>(what: string, get: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await get();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not seen within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** 4: checkout completes with an accepted card; with a declined one it undoes PlaceOrder, then ReserveStock, and says why. */
export async function sagaCompensates(checkout: DevService): Promise<void> {
  const url = `${checkout.url}/sagas`;
  type State = { id: string; status: string; completed: string[]; compensated: string[]; error?: string };
  const start = async (input: object): Promise<State> => {
    const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(input) });
    expect(r.status).toBe(201);
    return (await r.json()) as State;
  };
  const read = async (id: string) => (await (await fetch(`${url}/${id}`)).json()) as State;
  expect(await read((await start({ card: 'accepted' })).id)).toMatchObject({ status: 'completed', completed: ['ReserveStock', 'PlaceOrder', 'ChargeCard', 'ConfirmOrder'], compensated: [] });
  const state = await read((await start({ card: 'declined' })).id);
  expect(state).toMatchObject({ status: 'compensated', completed: ['ReserveStock', 'PlaceOrder'], compensated: ['CancelOrder', 'ReleaseStock'] });
  expect(state.error).toContain('card declined');
}

/** 5: nightly-report runs when triggered; a run due while one is in progress is skipped (overlap_policy: skip). */
export async function scheduledSkipsOverlap(run: DevRun): Promise<void> {
  const first = await run.trigger('nightly-report');
  expect(first).toMatchObject({ status: 200, body: { status: 'succeeded' } });
  expect((first.body as { durationMs: number }).durationMs).toBeGreaterThanOrEqual(1400);
  const both = await Promise.all([run.trigger('nightly-report'), new Promise((r) => setTimeout(r, 300)).then(() => run.trigger('nightly-report'))]);
  expect(both.map((r) => (r.body as { status: string }).status)).toEqual(['succeeded', 'skipped']);
}

/**
 * 6: web-bff reads order-api through its client and resilience policy; with order-api stopped it answers 502
 * problem+json, and after failure_threshold (3) failures its circuit is open: it fails at once though order-api is
 * back, until circuit_breaker.timeout_ms (3 s) lets a trial call through.
 */
export async function circuitOpens(run: DevRun, service: (name: string) => DevService): Promise<void> {
  // (web-bff caches what it reads for 60 s: every request asks for another page size, so none is answered from the cache)
  let n = 0;
  const bffGet = () => fetch(`${service('web-bff').url}/order-api/orders?limit=${++n}`);
  expect((await bffGet()).status).toBe(200);
  await run.stopService('order-api');
  try {
    for (let i = 0; i < 3; i++) {
      const r = await bffGet();
      expect(r.status).toBe(502);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
      expect(await r.json()).toMatchObject({ status: 502, detail: 'order-api is unavailable' });
    }
  } finally {
    await run.startService('order-api');
  }
  expect((await fetch(`${service('order-api').url}/orders`)).status).toBe(200);
  const t0 = Date.now();
  expect((await bffGet()).status).toBe(502);
  expect(Date.now() - t0).toBeLessThan(1000);
  await new Promise((r) => setTimeout(r, 3200));
  expect((await bffGet()).status).toBe(200);
}

/** POST /orders on order-api with `init`'s headers: the response. */
export function createOrder(orderApi: DevService, name: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${orderApi.url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ name }) });
}

/** 3: the same request with the same Idempotency-Key twice: one effect (one order of that name), the same response. */
export async function idempotentCreate(orderApi: DevService): Promise<{ id: string }> {
  const first = await createOrder(orderApi, 'once only', { 'Idempotency-Key': 'system-test-key-1' });
  const second = await createOrder(orderApi, 'once only', { 'Idempotency-Key': 'system-test-key-1' });
  expect([first.status, second.status]).toEqual([201, 201]);
  const a = (await first.json()) as { id: string };
  expect(await second.json()).toEqual(a);
  const list = (await (await fetch(`${orderApi.url}/orders?name=once%20only`)).json()) as { items: { id: string }[] };
  expect(list.items.map((i) => i.id)).toEqual([a.id]);
  return a;
}

/** An event envelope as order-api publishes it. */
export function envelope(id: string, type: string, data: Record<string, unknown>): string {
  return JSON.stringify({ specversion: '1.0', id, type, source: 'order-api', time: new Date().toISOString(), datacontenttype: 'application/json', data });
}

/**
 * Tests 3 to 6 as every flavour runs them, in order, on the run `get` gives once it is up: 3 (idempotency) unless
 * the flavour asserts more of it itself, then the saga, the schedule and the circuit breaker.
 */
export function sharedSystemTests(get: () => DevRun, options: { idempotency?: boolean } = {}): void {
  const service = (name: string): DevService => get().services.find((s) => s.name === name)!;
  if (options.idempotency ?? true) {
    test('3. the same request with the same Idempotency-Key twice has one effect and the same response', async () => {
      await idempotentCreate(service('order-api'));
    }, 30_000);
  }
  test('4. a saga runs to completion; a failing step runs the compensations of the completed steps in reverse order; the final state is readable over HTTP', async () => {
    await sagaCompensates(service('checkout'));
  }, 30_000);
  test('5. a scheduled service runs when triggered, and skips a run due while one is in progress (overlap_policy: skip)', async () => {
    await scheduledSkipsOverlap(get());
  }, 30_000);
  test('6. a caller reaches its callee through its client and resilience policy (signed, where calls are); with the callee stopped the circuit opens, and the caller answers 502 problem+json', async () => {
    await circuitOpens(get(), service);
  }, 60_000);
}

/**
 * 7: order-mailer, stopped while the events `ids` (slow ones) waited for it, starts, is killed outright (SIGKILL) part
 * way through them, and starts again: every one is processed in the end (`processed` reads its record), none lost.
 */
export async function killedConsumerLosesNothing(run: DevRun, ids: readonly string[], processed: (id: string) => Promise<unknown>): Promise<void> {
  await run.startService('order-mailer');
  const done = async () => (await Promise.all(ids.map(processed))).filter((d) => d !== undefined).length;
  await eventually('the first event processed', async () => ((await done()) > 0 ? true : undefined), 20_000);
  await run.stopService('order-mailer', { kill: true });
  const before = await done();
  expect(before).toBeGreaterThan(0);
  expect(before).toBeLessThan(ids.length);
  await run.startService('order-mailer');
  for (const id of ids) await eventually(`event ${id} processed`, async () => ((await processed(id)) !== undefined ? true : undefined), 60_000);
}

/** After each test: when it failed, what the processes said. */
export function printLogsOnFailure(logs: readonly LogLine[]): void {
  afterEach(() => {
    const state = expect.getState();
    if (state.assertionCalls > 0 && state.numPassingAsserts < state.assertionCalls) console.log(logs.map((l) => `${l.source} | ${l.text}`).join('\n'));
  });
}
