import * as platform from '../src';

describe('index', () => {
  it('re-exports every module', () => {
    // GIVEN the package entry point / WHEN / THEN one export of each module is present
    for (const name of [
      'readConfig', 'createLogger', 'withSpan', 'createHttpApp', 'HttpError', 'serve', 'httpHandler', 'idempotency',
      'processOnce', 'newEvent', 'defineEvent', 'SnsPublisher', 'OutboxRelay', 'PostgresRepository', 'createPolicy',
      'processBatch', 'redrive', 'loadSecrets', 'TtlCache', 'RedisCacheStore', 'chunk', 'TaskCancelledError',
      'BrokenCircuitError', 'BulkheadRejectedError', 'startOnce', 'signedFetch', 'outboundFetch', 'poolConfig',
      'runsBackgroundWork',
      'serviceSignedFetch', 'ServiceVerifier', 'serviceAuth', 'generateServiceKeyPair', 'acceptWebSocket',
    ]) {
      expect(platform[name as keyof typeof platform]).toBeDefined();
    }
  });

  it('chunks arrays', () => {
    expect(platform.chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(platform.chunk([], 10)).toEqual([]);
  });
});
