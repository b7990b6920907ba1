/** The smallest service: health and readiness over HTTP, configuration and logging. */
import { OutputFile, managed } from '../../model/output-file';
import type { ServiceContext } from '../context';
import { secretNames, secretsWiring } from '../secrets';
import { dockerfile, servicePackage } from '../context';
import { configFile, httpEntries } from '../common';

export function renderMinimal(ctx: ServiceContext): OutputFile[] {
  const P = ctx.platform;
  return [
    servicePackage(ctx, ['hono']),
    configFile(ctx),
    ...httpEntries(ctx),
    dockerfile(ctx, 'server'),
    managed(
      `${ctx.dir}/src/deps.ts`,
      `import { closePools, createLogger } from '${P}';
import type { Logger } from '${P}';
import type { Config } from './config';
${secretsWiring(ctx).importType}
export interface Dependencies {
${secretsWiring(ctx).field}  readonly logger: Logger;
  close(): Promise<void>;
}

export function createDependencies(config: Config${secretsWiring(ctx).param}): Dependencies {
  return { ${secretNames(ctx).length > 0 ? 'secrets, ' : ''}logger: createLogger({ service: config.SERVICE_NAME, level: config.LOG_LEVEL, redact: config.PII_FIELDS }), close: () => closePools() };
}
`,
    ),
    managed(
      `${ctx.dir}/src/app.ts`,
      `import { createHttpApp } from '${P}';
import type { Dependencies } from './deps';

export function buildApp(deps: Dependencies) {
  return createHttpApp({ service: '${ctx.service.name}', logger: deps.logger });
}
`,
    ),
    managed(
      `${ctx.dir}/test/app.test.ts`,
      `import { buildApp } from '../src/app';
import { loadConfig } from '../src/config';
import { createDependencies } from '../src/deps';

describe('${ctx.service.name}', () => {
  test('serves health and readiness', async () => {
    const deps = createDependencies(loadConfig({})${secretsWiring(ctx).testArg});
    const app = buildApp(deps);
    expect((await app.request('/healthz')).status).toBe(200);
    expect((await app.request('/readyz')).status).toBe(200);
    await deps.close();
  });
});
`,
    ),
  ];
}
