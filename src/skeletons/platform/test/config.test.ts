import { ConfigError, readConfig, type ConfigSpec } from '../src/config';

describe('readConfig', () => {
  const spec = {
    PORT: { kind: 'int', default: '8080' },
    SERVICE_NAME: { kind: 'string', required: true, description: 'name in logs' },
    DEBUG: { kind: 'bool', default: 'false' },
    ORIGINS: { kind: 'list' },
    REGION: { kind: 'string' },
  } satisfies ConfigSpec;

  it('parses every kind and applies defaults', () => {
    // GIVEN an environment with some variables set
    const env = { SERVICE_NAME: 'orders', DEBUG: 'Yes', ORIGINS: 'a.example, b.example,,', PORT: '' };
    // WHEN it is read
    const config = readConfig(spec, env);
    // THEN values are typed and defaults fill empty or missing ones
    const port: number = config.PORT;
    const debug: boolean = config.DEBUG;
    const origins: string[] | undefined = config.ORIGINS;
    expect(port).toBe(8080);
    expect(debug).toBe(true);
    expect(origins).toEqual(['a.example', 'b.example']);
    expect(config.SERVICE_NAME).toBe('orders');
    expect(config.REGION).toBeUndefined();
  });

  it('accepts negative integers and false-like booleans', () => {
    // GIVEN / WHEN
    const config = readConfig({ N: { kind: 'int' }, B: { kind: 'bool' } }, { N: ' -42 ', B: 'OFF' });
    // THEN
    expect(config).toEqual({ N: -42, B: false });
  });

  it('throws one ConfigError listing every missing or invalid variable', () => {
    // GIVEN a required variable missing and two invalid ones
    const env = { PORT: '80a', DEBUG: 'maybe' };
    // WHEN it is read
    let error: unknown;
    try {
      readConfig(spec, env);
    } catch (err) {
      error = err;
    }
    // THEN all three problems are reported together, without the values
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toEqual([
      'PORT: must be an integer',
      'SERVICE_NAME: is required (name in logs)',
      'DEBUG: must be one of true/false/1/0/yes/no/on/off',
    ]);
    expect((error as Error).message).toContain('SERVICE_NAME');
    expect((error as Error).message).not.toContain('maybe');
  });

  it('rejects integers beyond the safe range and reports a required variable without description', () => {
    // GIVEN / WHEN / THEN
    expect(() => readConfig({ BIG: { kind: 'int' }, KEY: { kind: 'string', required: true } }, { BIG: '9007199254740993' })).toThrow(
      /BIG: must be an integer\n {2}KEY: is required$/,
    );
  });

  it('reads process.env by default', () => {
    // GIVEN a variable in the process environment
    process.env.PLATFORM_TEST_VALUE = 'x';
    // WHEN read without an explicit environment
    const config = readConfig({ PLATFORM_TEST_VALUE: { kind: 'string', required: true } });
    // THEN it is found
    expect(config.PLATFORM_TEST_VALUE).toBe('x');
    delete process.env.PLATFORM_TEST_VALUE;
  });
});
