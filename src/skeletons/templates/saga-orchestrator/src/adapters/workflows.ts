import type { SagaExecutions } from '../application/saga';

/** The part of `@google-cloud/workflows`' ExecutionsClient the adapter uses; tests pass a fake. */
export interface WorkflowExecutionsClient {
  createExecution(request: { parent: string; execution: { argument: string; labels?: Record<string, string> } }): Promise<unknown>;
}

/** `projects/<project>/locations/<region>/workflows/<name>`. */
const WORKFLOW = /^projects\/[^/]+\/locations\/[^/]+\/workflows\/[^/]+$/;
/** What a label value may hold. */
const LABEL_VALUE = /^[a-z0-9_-]{1,63}$/;

async function executionsClient(): Promise<WorkflowExecutionsClient> {
  const { ExecutionsClient } = await import('@google-cloud/workflows');
  return new ExecutionsClient();
}

/**
 * {@link SagaExecutions} on Google Cloud Workflows: one execution per saga, whose argument is its input as JSON (what
 * Step Functions gets as input) and whose label `saga_id` is the saga's id. The client is loaded on the first start.
 */
export class WorkflowsExecutions implements SagaExecutions {
  private client: Promise<WorkflowExecutionsClient> | undefined;

  constructor(
    private readonly workflow: string,
    private readonly createClient: () => WorkflowExecutionsClient | Promise<WorkflowExecutionsClient> = executionsClient,
  ) {
    if (!WORKFLOW.test(workflow)) throw new Error(`SAGA_WORKFLOW must be projects/<project>/locations/<region>/workflows/<name>, got ${JSON.stringify(workflow)}`);
  }

  async start(sagaId: string, input: Readonly<Record<string, unknown>>): Promise<void> {
    this.client ??= Promise.resolve(this.createClient()).catch((err: unknown) => {
      this.client = undefined;
      throw err;
    });
    const labels = LABEL_VALUE.test(sagaId) ? { labels: { saga_id: sagaId } } : {};
    await (await this.client).createExecution({ parent: this.workflow, execution: { argument: JSON.stringify(input), ...labels } });
  }
}
