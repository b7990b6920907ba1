import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { FargateTask } from '../../lib-constructs/aws/fargate-task';

const image = ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/busybox:stable');

describe('FargateTask', () => {
  test('Graviton, a read-only root filesystem, a container health check and a stop timeout when asked', () => {
    const s = new Stack(new App({ builtinCloudFormationValidation: false }), 'Test');
    new FargateTask(s, 'Task', {
      image,
      cpu: 512,
      memoryLimitMiB: 2048,
      cpuArchitecture: ecs.CpuArchitecture.ARM64,
      readonlyRootFilesystem: true,
      stopTimeout: Duration.seconds(60),
      healthCheck: { command: ['CMD', '/bin/true'] },
    });
    Template.fromStack(s).hasResourceProperties('AWS::ECS::TaskDefinition', {
      Cpu: '512',
      Memory: '2048',
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
      ContainerDefinitions: [Match.objectLike({ ReadonlyRootFilesystem: true, StopTimeout: 60, HealthCheck: Match.objectLike({ Command: ['CMD', '/bin/true'] }), Environment: Match.absent() })],
    });
  });

  test('passes cdk-nag AwsSolutions with configuration added after construction', () => {
    const app = new App({ builtinCloudFormationValidation: false });
    const s = new Stack(app, 'Nag');
    const task = new FargateTask(s, 'Task', { image });
    task.container.addEnvironment('FEATURE_X', 'on');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });

  test('a stop timeout outside 2..120 s is refused', () => {
    const s = new Stack(new App({ builtinCloudFormationValidation: false }), 'Test');
    expect(() => new FargateTask(s, 'Task', { image, stopTimeout: Duration.seconds(121) })).toThrow('stopTimeout');
  });
});
