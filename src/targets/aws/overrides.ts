/**
 * The escape hatch in the file: `services[].overrides.aws` patches the synthesized resources of a service, JSON
 * Patch style (add/replace/remove at a JSON Pointer inside one resource), through CDK's own override mechanism
 * (`CfnResource.addOverride`), so the patch survives every later synth. A patch naming no resource is an AF5004
 * error located at its `resource`, reported with every other one before anything is written.
 */
import { CfnResource, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { DiagnosticInit } from '../../model/diagnostics';
import { suggest } from '../../model/suggest';

/** A stack carrying a service's overrides and collecting the problems applying them. */
export interface OverridableStack extends Stack {
  readonly service: { readonly index: number; readonly spec: { readonly overrides?: { readonly aws?: readonly OverrideSpec[] } } };
  readonly problems: DiagnosticInit[];
}

export interface OverrideSpec {
  readonly resource: string;
  readonly op?: 'add' | 'replace' | 'remove';
  readonly path: string;
  readonly value?: unknown;
}

function cfnResources(stack: Stack): CfnResource[] {
  return stack.node.findAll().filter((c): c is CfnResource => CfnResource.isCfnResource(c) && Stack.of(c) === stack);
}

/** The resource's path inside its stack, as users write it: `Api/Function` for `<stack>/Api/Function/Resource`. */
export function resourcePath(resource: IConstruct, stack: Stack): string {
  const full = resource.node.path.slice(stack.node.path.length + 1);
  return full.endsWith('/Resource') ? full.slice(0, -'/Resource'.length) : full;
}

/** JSON Pointer (`/Properties/A.B/x`) → CDK override path (`Properties.A\.B.x`). */
export function pointerToOverridePath(pointer: string): string {
  return pointer
    .slice(1)
    .split('/')
    .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~').replace(/\./g, '\\.'))
    .join('.');
}

export function applyOverrides(stack: OverridableStack): void {
  const specs = stack.service.spec.overrides?.aws ?? [];
  if (specs.length === 0) return;
  const resources = cfnResources(stack);
  specs.forEach((spec, i) => {
    const at = ['services', stack.service.index, 'overrides', 'aws', i];
    const target = resources.find((r) => resourcePath(r, stack) === spec.resource || stack.getLogicalId(r) === spec.resource);
    if (!target) {
      const names = resources.map((r) => resourcePath(r, stack));
      stack.problems.push({
        code: 'AF5004',
        message: `overrides.aws[${i}] names "${spec.resource}", which is not a resource of this service`,
        path: [...at, 'resource'],
        hint: 'use a construct path from the aws:cdk:path metadata of the service\'s template (without the stack name and /Resource), or a logical id',
        suggestions: suggest(spec.resource, names),
      });
      return;
    }
    if (spec.op === 'remove') {
      target.addDeletionOverride(pointerToOverridePath(spec.path));
    } else if (spec.value === undefined) {
      stack.problems.push({ code: 'AF5004', message: `overrides.aws[${i}] (an add or a replace) has no value`, path: at, hint: 'give `value`, or use op: remove' });
    } else {
      target.addOverride(pointerToOverridePath(spec.path), spec.value);
    }
  });
}
