/** Project-level IAM for one service's account (its own module: the handlers use it, and app.ts uses the handlers). */
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member';
import type { GcpServicePlan } from './app';
import { gcpProject } from './naming';

/** A role on the project for one service account, limited by an IAM condition to one resource where given. */
export function projectRole(plan: GcpServicePlan, id: string, role: string, email: string, condition?: { title: string; expression: string }): ProjectIamMember {
  return new ProjectIamMember(plan.stack, `${plan.service.name}-${id}`, {
    project: gcpProject(plan.stack.model),
    role,
    member: `serviceAccount:${email}`,
    ...(condition !== undefined ? { condition: { ...condition, description: `Only ${plan.service.name}'s own resource` } } : {}),
  });
}
