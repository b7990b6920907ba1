import { startOnce } from '../src/startup';

describe('startOnce', () => {
  it('starts on the first call and shares the result', async () => {
    // GIVEN a start that counts its runs
    let runs = 0;
    const ready = startOnce(() => Promise.resolve(++runs));
    // WHEN called twice, the second time before the first settles
    const [a, b] = await Promise.all([ready(), ready()]);
    // THEN it ran once
    expect([a, b, await ready()]).toEqual([1, 1, 1]);
    expect(runs).toBe(1);
  });

  it('forgets a failed start, so the next call retries', async () => {
    // GIVEN a start that fails once
    let runs = 0;
    const ready = startOnce(() => (++runs === 1 ? Promise.reject(new Error('no secrets yet')) : Promise.resolve('up')));
    // WHEN called after the failure
    await expect(ready()).rejects.toThrow('no secrets yet');
    // THEN it starts again
    await expect(ready()).resolves.toBe('up');
    expect(runs).toBe(2);
  });
});
