import { createLogger, redactPaths } from '../src/logger';

function capture(): { lines: Record<string, unknown>[]; write(s: string): void } {
  const lines: Record<string, unknown>[] = [];
  return { lines, write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) };
}

describe('createLogger', () => {
  it('writes JSON with the service and a text level', () => {
    // GIVEN a logger writing to memory
    const out = capture();
    const logger = createLogger({ service: 'orders', destination: out });
    // WHEN a line is logged
    logger.info({ orderId: 'o1' }, 'created');
    // THEN it is JSON carrying service, level, time and fields, without pid/hostname
    expect(out.lines).toHaveLength(1);
    expect(out.lines[0]).toMatchObject({ service: 'orders', level: 'info', orderId: 'o1', msg: 'created' });
    expect(typeof out.lines[0]?.time).toBe('string');
    expect(out.lines[0]).not.toHaveProperty('pid');
  });

  it('redacts listed fields at the top level and one level deep', () => {
    // GIVEN a logger redacting email, phone and a non-identifier field
    const out = capture();
    const logger = createLogger({ service: 's', redact: ['email', 'phone', 'x-api-key'], destination: out });
    // WHEN personal data is logged
    logger.info({ email: 'a@b.c', user: { email: 'd@e.f', phone: '123', name: 'Ann' }, headers: { 'x-api-key': 'k' } });
    // THEN it is censored and other fields are kept
    expect(out.lines[0]).toMatchObject({
      email: '[redacted]',
      user: { email: '[redacted]', phone: '[redacted]', name: 'Ann' },
      headers: { 'x-api-key': '[redacted]' },
    });
  });

  it('honours the level and defaults to stdout', () => {
    // GIVEN a silent logger on stdout and a warn-level logger in memory
    const silent = createLogger({ service: 's', level: 'silent' });
    const out = capture();
    const warn = createLogger({ service: 's', level: 'warn', destination: out });
    // WHEN info and warn lines are logged
    silent.info({}, 'nothing');
    warn.info({}, 'dropped');
    warn.warn({}, 'kept');
    // THEN only the warn line is written
    expect(out.lines.map((l) => l.msg)).toEqual(['kept']);
  });

  it('builds pino paths for identifiers and other names', () => {
    // GIVEN / WHEN / THEN
    expect(redactPaths(['email', 'a-b'])).toEqual(['email', '*.email', '["a-b"]', '*["a-b"]']);
  });
});
