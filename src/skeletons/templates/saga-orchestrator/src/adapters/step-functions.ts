import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { AwsClient } from '@allframe/platform';
import type { SagaExecutions } from '../application/saga';

/** {@link SagaExecutions} on AWS Step Functions: one execution per saga, named after its id, its input as input. */
export class StepFunctionsExecutions implements SagaExecutions {
  constructor(
    private readonly stateMachineArn: string,
    private readonly client: AwsClient = new SFNClient({}),
  ) {}

  async start(sagaId: string, input: Readonly<Record<string, unknown>>): Promise<void> {
    await this.client.send(new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name: sagaId, input: JSON.stringify(input) }));
  }
}
