import { createHttpApp } from '../src/http';
import { serve } from '../src/server';
import { fakeLogger } from './fakes';

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
}

describe('serve', () => {
  it('listens on a free port, serves /healthz and closes', async () => {
    // GIVEN an app served on port 0
    const logger = fakeLogger();
    const onShutdown = jest.fn(() => Promise.resolve());
    const server = serve(createHttpApp({ service: 's', logger }), { port: 0, logger, onShutdown });
    // WHEN /healthz is fetched
    const res = await fetch(`http://127.0.0.1:${server.port}/healthz`);
    // THEN it answers 200 ok on the chosen port
    expect(server.port).toBeGreaterThan(0);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    // AND close runs the shutdown hook once, even when called twice
    await Promise.all([server.close(), server.close()]);
    expect(onShutdown).toHaveBeenCalledTimes(1);
    expect(logger.info).toHaveBeenCalledWith({ port: server.port }, 'server closed');
    await expect(fetch(`http://127.0.0.1:${server.port}/healthz`)).rejects.toThrow();
  });

  it('shuts down gracefully on a signal and exits 0', async () => {
    // GIVEN a server listening for SIGUSR2 with a fake exit
    const logger = fakeLogger();
    const exit = jest.fn();
    const onShutdown = jest.fn(() => Promise.resolve());
    serve(createHttpApp({ service: 's', logger }), { port: 0, logger, onShutdown, exit, signals: ['SIGUSR2'] });
    // WHEN the signal arrives
    process.emit('SIGUSR2', 'SIGUSR2');
    await until(() => exit.mock.calls.length > 0);
    // THEN the shutdown hook ran, the server closed and the process exits 0
    expect(logger.info).toHaveBeenCalledWith({ signal: 'SIGUSR2' }, 'shutting down');
    expect(onShutdown).toHaveBeenCalledTimes(1);
    expect(exit).toHaveBeenCalledWith(0);
    expect(process.listenerCount('SIGUSR2')).toBe(0);
  });

  it('exits 1 when the shutdown hook fails', async () => {
    // GIVEN a server whose shutdown hook rejects
    const logger = fakeLogger();
    const exit = jest.fn();
    const failure = new Error('flush failed');
    serve(createHttpApp({ service: 's', logger }), {
      port: 0,
      logger,
      onShutdown: () => Promise.reject(failure),
      exit,
      signals: ['SIGUSR2'],
    });
    // WHEN the signal arrives
    process.emit('SIGUSR2', 'SIGUSR2');
    await until(() => exit.mock.calls.length > 0);
    // THEN the failure is logged and the exit code is 1
    expect(logger.error).toHaveBeenCalledWith({ err: failure }, 'shutdown failed');
    expect(exit).toHaveBeenCalledWith(1);
  });

  it('cuts connections still busy after the drain timeout', async () => {
    // GIVEN a request that never finishes by itself
    const logger = fakeLogger();
    const app = createHttpApp({ service: 's', logger });
    let entered: () => void = () => undefined;
    const inFlight = new Promise<void>((r) => (entered = r));
    app.get('/slow', async (c) => {
      entered();
      await new Promise(() => undefined);
      return c.text('never');
    });
    const server = serve(app, { port: 0, logger, drainTimeoutMs: 20, signals: [] });
    const request = fetch(`http://127.0.0.1:${server.port}/slow`).then(
      () => 'answered',
      () => 'cut',
    );
    await inFlight;
    // WHEN the server closes
    await server.close();
    // THEN the busy connection was cut after the timeout
    expect(await request).toBe('cut');
  });

  it('logs a server error such as a port in use and exits 1', async () => {
    // GIVEN a port already taken
    const logger = fakeLogger();
    const first = serve(createHttpApp({ service: 's', logger }), { port: 0, logger, signals: [] });
    const exit = jest.fn();
    // WHEN a second server tries to use it
    const second = serve(createHttpApp({ service: 's', logger }), { port: first.port, logger, exit, signals: [] });
    await until(() => exit.mock.calls.length > 0);
    // THEN the error is logged, the process would exit 1, and the requested port is reported
    expect(second.port).toBe(first.port);
    expect(logger.error).toHaveBeenCalledWith({ err: expect.objectContaining({ code: 'EADDRINUSE' }) as unknown }, 'server error');
    expect(exit).toHaveBeenCalledWith(1);
    await Promise.all([first.close(), second.close()]);
  });

  it('handles SIGTERM and SIGINT by default and stops listening for them once closed', async () => {
    // GIVEN a server with default signals
    const logger = fakeLogger();
    const before = process.listenerCount('SIGTERM');
    const server = serve(createHttpApp({ service: 's', logger }), { port: 0, logger });
    // THEN it listens for both signals
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    expect(process.listenerCount('SIGINT')).toBeGreaterThan(0);
    // WHEN it is closed
    await server.close();
    // THEN the listeners are gone
    expect(process.listenerCount('SIGTERM')).toBe(before);
  });
});
