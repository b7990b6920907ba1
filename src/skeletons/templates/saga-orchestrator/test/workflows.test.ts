import type { ExecutionsClient } from '@google-cloud/workflows';
import { WorkflowsExecutions, type WorkflowExecutionsClient } from '../src/adapters/workflows';

// Compile-time check: the real client fits the port.
export const realClientFits = (client: ExecutionsClient): WorkflowExecutionsClient => client;

const WORKFLOW = 'projects/shop-prod/locations/europe-west1/workflows/__sagaFile__';

/** A client that records the executions it is asked to create. */
function recorder() {
  const created: unknown[] = [];
  const client: WorkflowExecutionsClient = {
    createExecution: (request) => {
      created.push(request);
      return Promise.resolve([{ name: `${WORKFLOW}/executions/e1` }]);
    },
  };
  return { created, client };
}

describe('WorkflowsExecutions', () => {
  test('creates one execution per saga, its input as the argument and its id as a label, with one client', async () => {
    // GIVEN executions over a recording client
    const { created, client } = recorder();
    const factory = jest.fn(() => client);
    const executions = new WorkflowsExecutions(WORKFLOW, factory);
    // WHEN two sagas are started, one with an id a label cannot hold
    await executions.start('0b5c2f0e-5d1e-4d8e-9a57-6f0e1c2d3b4a', { orderId: 'o1' });
    await executions.start('Saga/With/Slashes', {});
    // THEN
    expect(created).toEqual([
      { parent: WORKFLOW, execution: { argument: '{"orderId":"o1"}', labels: { saga_id: '0b5c2f0e-5d1e-4d8e-9a57-6f0e1c2d3b4a' } } },
      { parent: WORKFLOW, execution: { argument: '{}' } },
    ]);
    expect(factory).toHaveBeenCalledTimes(1);
  });

  test('a failed start rejects, and a client that could not be made is made again', async () => {
    const refusing = new WorkflowsExecutions(WORKFLOW, () => ({ createExecution: () => Promise.reject(new Error('PERMISSION_DENIED')) }));
    await expect(refusing.start('s1', {})).rejects.toThrow('PERMISSION_DENIED');
    const { created, client } = recorder();
    const factory = jest.fn<Promise<WorkflowExecutionsClient>, []>().mockRejectedValueOnce(new Error('no credentials')).mockResolvedValue(client);
    const flaky = new WorkflowsExecutions(WORKFLOW, factory);
    await expect(flaky.start('s1', {})).rejects.toThrow('no credentials');
    await flaky.start('s1', {});
    expect(created).toHaveLength(1);
  });

  test('the workflow must be a full resource name; the real client is the default', () => {
    expect(() => new WorkflowsExecutions('__sagaFile__')).toThrow('SAGA_WORKFLOW must be projects/<project>/locations/<region>/workflows/<name>');
    expect(new WorkflowsExecutions(WORKFLOW)).toBeInstanceOf(WorkflowsExecutions);
  });
});
