/**
 * An `allframe ignite` template run under `allframe dev`, aws flavour (moto), for one describe block: the workspace
 * written from the template (as ignite writes it, `edit` aside), every service started on `portBase`, a DynamoDB
 * client on moto, the logs printed when a test fails, and everything stopped and removed after the block.
 */
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { startDev, type DevRun, type DevService } from '../../src/dev';
import type { LogLine } from '../../src/dev/processes';
import { findTemplate } from '../../src/ignite/templates';
import { eventually, printLogsOnFailure } from './scenarios';
import { writeDevWorkspace, type DevWorkspace } from './workspace';

/** The credentials `allframe dev` gives the services on moto. */
export const MOTO_CREDENTIALS = { accessKeyId: 'AKIAALLFRAMEDEVLOCAL1', secretAccessKey: 'allframe-dev-local-secret-access-key-0000' };

export interface TemplateRun {
  readonly run: () => DevRun;
  readonly service: (name: string) => DevService;
  readonly dynamodb: () => DynamoDBClient;
  /**
   * The events a consumer with idempotency recorded as handled (its `<TABLE_PREFIX>-idempotency` table's `event:`
   * keys), once there are at least `count`; fails after 60 s.
   */
  readonly handledEvents: (consumer: string, count: number, what: string) => Promise<string[]>;
}

/** Registers the block's beforeAll and afterAll; call at the top of a describe. */
export function templateOnMoto(template: string, options: { name: string; portBase: number; edit?: (text: string) => string }): TemplateRun {
  return architectureOnMoto(() => {
    const rendered = findTemplate(template)!.render({ name: options.name, cloud: 'aws' });
    return options.edit?.(rendered) ?? rendered;
  }, options);
}

/** The same for an architecture file's text (aws flavour), written as `<name>.yaml`. */
export function architectureOnMoto(text: () => string, options: { name: string; portBase: number }): TemplateRun {
  let ws: DevWorkspace | undefined;
  let run: DevRun | undefined;
  let dynamodb: DynamoDBClient | undefined;
  const logs: LogLine[] = [];

  beforeAll(async () => {
    ws = await writeDevWorkspace(`node_modules/.cache/${options.name}.yaml`, { text: text(), env: {} });
    run = await startDev({ model: ws.model, outputs: ws.outputs, workspace: ws.dir, env: process.env, portBase: options.portBase, log: (l) => logs.push(l) });
    dynamodb = new DynamoDBClient({ endpoint: run.emulators.get('moto')!, region: 'eu-west-1', credentials: MOTO_CREDENTIALS });
  }, 180_000);

  afterAll(async () => {
    dynamodb?.destroy();
    await run?.stop();
    ws?.remove();
  }, 60_000);

  printLogsOnFailure(logs);

  const service = (name: string) => run!.services.find((s) => s.name === name)!;
  return {
    run: () => run!,
    service,
    dynamodb: () => dynamodb!,
    handledEvents: (consumer, count, what) => {
      const table = `${service(consumer).environment.TABLE_PREFIX}-idempotency`;
      return eventually(what, async () => {
        const items = (await dynamodb!.send(new ScanCommand({ TableName: table, ConsistentRead: true }))).Items ?? [];
        const keys = items.map((i) => i.pk?.S ?? '').filter((k) => k.includes('event:'));
        return keys.length >= count ? keys : undefined;
      }, 60_000);
    },
  };
}
