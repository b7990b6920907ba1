import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { StepFunctionsExecutions } from '../src/adapters/step-functions';

const ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:__Saga__';

describe('StepFunctionsExecutions', () => {
  test('starts one execution per saga, named after its id, with its input', async () => {
    // GIVEN a client that records commands
    const sent: object[] = [];
    const client = {
      send: (command: object) => {
        sent.push(command);
        return Promise.resolve({});
      },
    };
    const executions = new StepFunctionsExecutions(ARN, client);
    // WHEN a saga is started
    await executions.start('saga-1', { orderId: 'o1' });
    // THEN
    expect(sent).toHaveLength(1);
    expect(sent[0]).toBeInstanceOf(StartExecutionCommand);
    expect((sent[0] as StartExecutionCommand).input).toEqual({ stateMachineArn: ARN, name: 'saga-1', input: '{"orderId":"o1"}' });
  });

  test('a failed start rejects', async () => {
    const executions = new StepFunctionsExecutions(ARN, { send: () => Promise.reject(new Error('ExecutionAlreadyExists')) });
    await expect(executions.start('saga-1', {})).rejects.toThrow('ExecutionAlreadyExists');
    expect(new StepFunctionsExecutions(ARN)).toBeInstanceOf(StepFunctionsExecutions);
  });
});
