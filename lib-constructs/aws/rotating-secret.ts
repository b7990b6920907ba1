import { Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { acknowledgeRotationRandomPassword, acknowledgeThirdPartySecret } from '../core/nag';
import { GENERATED_SECRET_LENGTH, MAX_ROTATION_INTERVAL, MIN_ROTATION_INTERVAL, SECRET_NAME_PATTERN } from '../core/secret-defaults';

/** How a secret is rotated. */
export interface SecretRotation {
  /** The rotation function (Secrets Manager's four-step contract: createSecret, setSecret, testSecret, finishSecret). */
  readonly handler: lambda.IFunction;
  /** Time between rotations (4 hours to 1000 days). */
  readonly every: Duration;
}

export interface RotatingSecretProps {
  /** The secret's name, as the service reads it (e.g. `shop/prod/orders/STRIPE_API_KEY`). */
  readonly secretName: string;
  /** What the secret is and who issues its value, shown in the console. */
  readonly description: string;
  /**
   * Automatic rotation by a function.
   * With a rotation the secret starts with a generated value (GENERATED_SECRET_LENGTH letters and digits).
   * @default - no rotation: the value is issued by a third party (a payment provider, an API vendor) and only its
   * owner can rotate it; the cdk-nag finding SMG4 is acknowledged with that reason
   */
  readonly rotation?: SecretRotation;
  /**
   * Customer-managed KMS key encrypting the secret (readers are granted decrypt through Secrets Manager only).
   * @default - the AWS-managed key aws/secretsmanager
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * For a secret without `rotation`: how often its owner means to rotate it by hand, in days. It is kept on the
   * construct (`rotationReminderDays`) for runbooks and documentation and creates nothing in CloudFormation: Secrets
   * Manager has no reminder feature, and the AWS Config rule that checks rotation age
   * (`secretsmanager-secret-periodic-rotation`) needs an account-wide configuration recorder that a service stack
   * cannot assume exists.
   * @default - none
   */
  readonly rotationReminderDays?: number;
  /**
   * Keep the secret when the stack is deleted (its value was set out of band and would be lost).
   * @default true
   */
  readonly protect?: boolean;
}

/**
 * A named service secret in Secrets Manager: created with a random placeholder (set the real value out of band,
 * `aws secretsmanager put-secret-value`; CloudFormation never holds it), encrypted with the AWS-managed or the given
 * key, retained on stack deletion; rotated by the given function on a schedule, or — for a value a third party
 * issues — explicitly not rotated, with that reason on record. `grantRead` lets a grantee read this one secret (and
 * decrypt it with its key through Secrets Manager), nothing else.
 */
export class RotatingSecret extends Construct {
  readonly secret: secretsmanager.Secret;
  /** The rotation schedule, when rotated by a function. */
  readonly rotationSchedule?: secretsmanager.RotationSchedule;
  /** The manual rotation interval the owner documented, in days (nothing is deployed for it). */
  readonly rotationReminderDays?: number;

  constructor(scope: Construct, id: string, props: RotatingSecretProps) {
    super(scope, id);
    checkProps(props);
    this.secret = new secretsmanager.Secret(this, 'Secret', {
      secretName: props.secretName,
      description: props.description,
      removalPolicy: props.protect ?? true ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      // A rotated secret is born in the alphabet of its rotations; an unrotated one gets a placeholder its owner replaces.
      ...(props.rotation ? { generateSecretString: { passwordLength: GENERATED_SECRET_LENGTH, excludePunctuation: true } } : {}),
      ...(props.encryptionKey ? { encryptionKey: props.encryptionKey } : {}),
    });
    if (props.rotation) {
      this.rotationSchedule = this.secret.addRotationSchedule('Rotation', {
        rotationLambda: props.rotation.handler,
        automaticallyAfter: props.rotation.every,
      });
      // CDK grants the rotation function secretsmanager:GetRandomPassword, which takes no resource.
      if (props.rotation.handler.role) acknowledgeRotationRandomPassword(props.rotation.handler.role);
    } else {
      acknowledgeThirdPartySecret(this.secret, props.secretName);
    }
    if (props.rotationReminderDays !== undefined) this.rotationReminderDays = props.rotationReminderDays;
  }

  /** Let `grantee` read this secret's value (and decrypt it with its key, through Secrets Manager), nothing else. */
  grantRead(grantee: iam.IGrantable): iam.Grant {
    return this.secret.grantRead(grantee);
  }

  /** The secret (or one JSON field of it) as an ECS container secret; the task's execution role is granted read. */
  ecsSecret(field?: string): ecs.Secret {
    return ecs.Secret.fromSecretsManager(this.secret, field);
  }
}

function checkProps(props: RotatingSecretProps): void {
  const problems: string[] = [];
  if (!Token.isUnresolved(props.secretName) && !SECRET_NAME_PATTERN.test(props.secretName)) {
    problems.push(`secretName ${JSON.stringify(props.secretName)} must be 1 to 512 letters, digits or /_+=.@-`);
  }
  if (props.rotation) {
    const ms = props.rotation.every.toMilliseconds();
    if (ms < MIN_ROTATION_INTERVAL.toMilliseconds() || ms > MAX_ROTATION_INTERVAL.toMilliseconds()) {
      problems.push(`rotation.every must be from 4 hours to 1000 days, got ${props.rotation.every.toHumanString()}`);
    }
    if (props.rotationReminderDays !== undefined) problems.push('rotationReminderDays is for secrets rotated by hand; this one has a rotation');
  }
  const days = props.rotationReminderDays;
  if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > 1000)) problems.push(`rotationReminderDays must be a whole number from 1 to 1000, got ${days}`);
  if (problems.length > 0) throw new Error(`RotatingSecret: ${problems.join('; ')}`);
}
