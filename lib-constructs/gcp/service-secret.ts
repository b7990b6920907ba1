import { SecretManagerSecret } from '@cdktf/provider-google/lib/secret-manager-secret';
import { SecretManagerSecretIamMember } from '@cdktf/provider-google/lib/secret-manager-secret-iam-member';
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import { SECRET_ACCESSOR_ROLE, SECRET_ID_PATTERN, SERVICE_ACCOUNT_EMAIL_PATTERN, serviceAccountMember } from '../core/gcp-run-defaults';

export interface ServiceSecretProps {
  /** The secret's id: 1 to 255 letters, digits, `_` and `-`. */
  readonly secretId: string;
  /**
   * Service-account emails granted `roles/secretmanager.secretAccessor` on this secret (and nothing else). More
   * can be added with `grantAccess`.
   * @default - none
   */
  readonly accessors?: readonly string[];
  /**
   * Labels on the secret.
   * @default - none
   */
  readonly labels?: Record<string, string>;
}

/**
 * A Secret Manager secret with automatic replication and no value: versions are added out of band (`gcloud
 * secrets versions add`), so no secret value ever reaches Terraform code or state. Only the named service
 * accounts may read it (`roles/secretmanager.secretAccessor` on this secret alone).
 *
 * A `CloudRunService` that reads this secret through `secretEnv` grants its own account access itself; don't
 * grant that account again here (two Terraform resources would then manage one IAM binding).
 */
export class ServiceSecret extends Construct {
  /** The secret. */
  readonly secret: SecretManagerSecret;
  /**
   * The secret's id as a Terraform reference: pass it as `CloudRunService` `secretEnv.<NAME>.secret`, so the
   * service's access grant (and the service) wait for the secret to exist.
   */
  readonly secretId: string;
  private readonly accessorMembers = new Set<string>();
  private tokenAccessors = 0;

  constructor(scope: Construct, id: string, props: ServiceSecretProps) {
    super(scope, id);
    const problems: string[] = [];
    if (!SECRET_ID_PATTERN.test(props.secretId)) problems.push(`secretId '${props.secretId}' must be 1 to 255 letters, digits, '_' and '-'`);
    for (const email of props.accessors ?? []) {
      if (!Token.isUnresolved(email) && !SERVICE_ACCOUNT_EMAIL_PATTERN.test(email)) problems.push(`accessor '${email}' is not a service-account email (…@….gserviceaccount.com)`);
    }
    if (problems.length > 0) throw new Error(`ServiceSecret ${props.secretId}: ${problems.join('; ')}`);

    this.secret = new SecretManagerSecret(this, 'Secret', {
      secretId: props.secretId,
      replication: { auto: {} },
      ...(props.labels !== undefined ? { labels: props.labels } : {}),
    });
    this.secretId = this.secret.secretId;
    for (const email of props.accessors ?? []) this.grantAccess(email);
  }

  /**
   * Lets a service account read this secret's versions (`roles/secretmanager.secretAccessor` on this secret
   * only). Granting the same literal email twice adds nothing.
   */
  grantAccess(email: string): SecretManagerSecretIamMember | undefined {
    const member = serviceAccountMember(email);
    if (this.accessorMembers.has(member)) return undefined;
    this.accessorMembers.add(member);
    const id = Token.isUnresolved(email) ? `Accessor${++this.tokenAccessors}` : `Accessor-${email}`;
    return new SecretManagerSecretIamMember(this, id, {
      secretId: this.secret.id,
      role: SECRET_ACCESSOR_ROLE,
      member,
    });
  }
}
