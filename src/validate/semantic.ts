import { ARCHETYPES, COMPUTE_KEYS, TYPE_BLOCKS } from '../model/archetypes';
import { Diagnostic, DiagnosticInit, DocPath } from '../model/diagnostics';
import { calleeUrlVariable, reservedEnvironmentReason } from '../model/environment';
import { didYouMean, suggest } from '../model/suggest';
import { SourceDocument, isRecord } from '../parse';
import type { ResolvedArchitecture, ResolvedService } from '../resolve';
import { publishedEvents, serviceSecrets } from '../resolve/model';
import { isCronProblem, parseCron } from './cron';

/**
 * Checks that need the whole document: references between services, events, cycles, which blocks each
 * archetype takes, and values that contradict each other. Target-specific checks are in capabilities.ts.
 *
 * `raw` is the document as written (after interpolation, before defaults): it tells what the user set.
 */
export function checkSemantics(doc: SourceDocument, raw: unknown, model: ResolvedArchitecture, diags: Diagnostic[]): void {
  const report = (init: DiagnosticInit) => diags.push(doc.diagnostic(init));
  const services = model.services;
  const byName = new Map<string, ResolvedService>();
  const names = services.map((s) => s.name);
  const rawServices = isRecord(raw) && Array.isArray(raw.services) ? raw.services : [];

  // Unique names
  for (const s of services) {
    const first = byName.get(s.name);
    if (first) {
      report({ code: 'AF4001', message: `service name "${s.name}" is already used by services[${first.index}]`, path: svcPath(s, 'name'), hint: 'service names name packages and cloud resources: rename one of them' });
    } else {
      byName.set(s.name, s);
    }
  }

  const unknownService = (name: string, path: DocPath, what: string) => {
    const suggestions = suggest(name, names);
    report({ code: 'AF4002', message: `${what} "${name}" is not a service of this architecture`, path, suggestions, hint: didYouMean(suggestions) ?? `declared services: ${names.join(', ')}` });
  };

  // Who publishes what (a stream processor's output events are published too)
  const publishers = new Map<string, string[]>();
  for (const s of services) for (const e of new Set(publishedEvents(s))) publishers.set(e, [...(publishers.get(e) ?? []), s.name]);
  const allEvents = [...publishers.keys()];
  const unpublished = (event: string, path: DocPath, context: string) => {
    const suggestions = suggest(event, allEvents);
    report({
      code: 'AF4003',
      message: `${context} "${event}", which no service publishes`,
      path,
      suggestions,
      hint: didYouMean(suggestions) ?? `add ${event} to the publishes list of the service that emits it`,
    });
  };

  for (const s of services) {
    const spec = s.spec;
    const rawSpec = isRecord(rawServices[s.index]) ? (rawServices[s.index] as Record<string, unknown>) : {};
    const info = ARCHETYPES[s.kind];

    // Blocks on the right archetype
    for (const block of TYPE_BLOCKS) {
      if (rawSpec[block] !== undefined && !info.blocks.includes(block)) {
        const owners = Object.entries(ARCHETYPES).filter(([, a]) => a.blocks.includes(block)).map(([k]) => k);
        report({ code: 'AF4005', message: `"${block}" is not allowed on ${an(spec.type)} service (${s.name}); it belongs to ${owners.join(', ')}`, path: svcPath(s, block), at: 'key', hint: `remove ${block}, or change type to ${owners.join(' or ')}` });
      }
    }
    for (const block of info.requires) {
      if (spec[block] === undefined) report({ code: 'AF4006', message: `${an(spec.type, true)} service needs ${an(`"${block}"`)} block (${s.name})`, path: svcPath(s, 'type'), hint: `add ${block}: { ... } to ${s.name}; see allframe docs` });
    }
    for (const list of info.needsLists ?? []) {
      if ((spec[list] ?? []).length === 0) report({ code: 'AF4006', message: `${an(spec.type, true)} service needs a non-empty "${list}" list (${s.name})`, path: svcPath(s, rawSpec[list] !== undefined ? list : 'type'), hint: list === 'consumes' ? 'consumes: [{ event: OrderCreated, from: order-service }]' : 'publishes: [SomethingHappened]' });
    }
    if (!info.consumes && rawSpec.consumes !== undefined) {
      report({ code: 'AF4005', message: `${an(spec.type, true)} service does not consume queued events (${s.name})`, path: svcPath(s, 'consumes'), at: 'key', hint: s.kind === 'stream-processor' ? 'list the events under stream.input_events' : s.kind === 'cache' ? 'list invalidating events under cache.invalidation' : 'add a consumer service for these events' });
    }
    if (!info.compute) {
      for (const key of [...COMPUTE_KEYS, 'storage'] as const) {
        if (rawSpec[key] !== undefined) report({ code: 'AF4005', message: `"${key}" does not apply to ${an(spec.type)} service (${s.name}): it is a managed service, not code`, path: svcPath(s, key), at: 'key', hint: `remove ${key}` });
      }
    }

    // A secret is listed once, whichever form names it (NAME and { name: NAME } are not told apart by uniqueItems)
    const secretAt = new Map<string, number>();
    serviceSecrets(s).forEach(({ name }, i) => {
      const first = secretAt.get(name);
      if (first === undefined) secretAt.set(name, i);
      else report({ code: 'AF3008', message: `secret "${name}" is listed twice in ${s.name} (first at secrets[${first}])`, path: svcPath(s, 'secrets', i), hint: `remove one; write it once, as ${name} or as { name: ${name}, managed: external }` });
    });

    // Plain variables the file may not set: allframe's wiring, the cloud's own, callee URLs, the service's secrets
    for (const name of Object.keys(spec.environment ?? {})) {
      const why = reservedEnvironmentReason(spec, name);
      if (why === undefined) continue;
      const path = svcPath(s, 'environment', name);
      if (why.kind === 'set') {
        const what = why.by === 'allframe' ? 'allframe sets it itself' : `${why.by} sets it itself`;
        report({ code: 'AF4013', message: `environment variable ${name} of ${s.name} is reserved: ${what}`, path, at: 'key', hint: `${why.by} sets ${name} itself; rename yours` });
      } else if (why.kind === 'callee') {
        report({ code: 'AF4013', message: `environment variable ${name} of ${s.name} is reserved: allframe sets it to the URL of ${why.callee}, which ${s.name} calls`, path, at: 'key', hint: `allframe sets ${calleeUrlVariable(why.callee)} itself; rename yours` });
      } else {
        report({ code: 'AF4013', message: `environment variable ${name} of ${s.name} is also one of its secrets`, path, at: 'key', hint: `the secret ${name} reaches ${s.name} from the secret manager; rename the plain variable` });
      }
    }

    // References to other services
    spec.depends_on?.forEach((dep, i) => {
      if (dep === s.name) report({ code: 'AF4010', message: `service "${s.name}" depends on itself`, path: svcPath(s, 'depends_on', i), hint: 'remove it from its own depends_on' });
      else if (!byName.has(dep)) unknownService(dep, svcPath(s, 'depends_on', i), 'depends_on names');
    });
    spec.storage?.readers?.forEach((reader, i) => {
      const at = svcPath(s, 'storage', 'readers', i);
      const other = byName.get(reader);
      if (reader === s.name) report({ code: 'AF4010', message: `service "${s.name}" lists itself among the readers of its bucket`, path: at, hint: 'remove it: a service always reads and writes its own bucket' });
      else if (!other) unknownService(reader, at, 'storage.readers names');
      else if (!ARCHETYPES[other.kind].compute) report({ code: 'AF4005', message: `"${reader}" cannot read the bucket of ${s.name}: it is ${an(other.spec.type)} service, a managed service with no code of its own`, path: at, hint: `remove ${reader} from storage.readers` });
    });
    spec.bff?.aggregates.forEach((dep, i) => {
      if (dep === s.name) report({ code: 'AF4010', message: `BFF "${s.name}" aggregates itself`, path: svcPath(s, 'bff', 'aggregates', i) });
      else if (!byName.has(dep)) unknownService(dep, svcPath(s, 'bff', 'aggregates', i), 'bff.aggregates names');
    });
    spec.consumes?.forEach((c, i) => {
      if (c.from !== undefined) {
        const producer = byName.get(c.from);
        if (!producer) {
          unknownService(c.from, svcPath(s, 'consumes', i, 'from'), 'consumes.from names');
        } else if (!publishedEvents(producer).includes(c.event)) {
          const suggestions = suggest(c.event, [...publishedEvents(producer)]);
          const others = publishers.get(c.event);
          report({
            code: 'AF4003',
            message: `${s.name} consumes "${c.event}" from ${c.from}, but ${c.from} does not publish it`,
            path: svcPath(s, 'consumes', i, 'event'),
            suggestions,
            hint: didYouMean(suggestions) ?? (others ? `it is published by ${others.join(', ')}` : `add ${c.event} to the publishes of ${c.from}`),
          });
        }
      } else if (!publishers.has(c.event)) {
        unpublished(c.event, svcPath(s, 'consumes', i, 'event'), `${s.name} consumes`);
      }
    });
    spec.subscriptions?.events?.forEach((e, i) => publishers.has(e) || unpublished(e, svcPath(s, 'subscriptions', 'events', i), `${s.name} subscribes to`));
    spec.stream?.input_events.forEach((e, i) => publishers.has(e) || unpublished(e, svcPath(s, 'stream', 'input_events', i), `${s.name} reads`));
    spec.cache?.invalidation?.forEach((e, i) => publishers.has(e) || unpublished(e, svcPath(s, 'cache', 'invalidation', i), `${s.name} is invalidated by`));

    // A bucket is not kept apart by tenant: its objects and read-only routes serve every tenant (not built).
    if (spec.storage !== undefined && model.file.architecture.multi_tenant === true) {
      report({ code: 'AF5010', message: `services[${s.index}].storage is not yet supported with architecture.multi_tenant; remove it, or set architecture.multi_tenant to false`, path: svcPath(s, 'storage'), hint: 'a service\'s bucket is not kept apart by tenant: its objects and its read-only routes would serve every tenant' });
    }

    // Values that contradict each other
    if ((spec.min_instances ?? 0) > (spec.max_instances ?? Infinity)) {
      report({ code: 'AF4011', message: `min_instances (${spec.min_instances}) is above max_instances (${spec.max_instances}) for ${s.name}`, path: svcPath(s, doc.map.locate(svcPath(s, 'min_instances')).exact ? 'min_instances' : 'max_instances') });
    }
    const r = s.resilience.retry;
    if (r.initial_interval_ms > r.max_interval_ms) {
      report({ code: 'AF4011', message: `retry.initial_interval_ms (${r.initial_interval_ms}) is above retry.max_interval_ms (${r.max_interval_ms}) for ${s.name}`, path: spec.retry ? svcPath(s, 'retry') : ['resilience', 'retry'] });
    }
    if (spec.saga && (spec.saga.compensation ?? []).length > spec.saga.steps.length) {
      report({ code: 'AF4011', message: `saga ${spec.saga.name} has ${spec.saga.compensation?.length} compensations for ${spec.saga.steps.length} steps; compensation[i] undoes steps[i]`, path: svcPath(s, 'saga', 'compensation') });
    }
    const w = spec.stream?.windowing;
    if (w?.slide_seconds !== undefined && (w.type !== 'sliding' || w.slide_seconds > s.sizing.windowing.duration_seconds)) {
      report({ code: 'AF4011', message: w.type !== 'sliding' ? `slide_seconds applies only to sliding windows (this one is ${w.type})` : `slide_seconds (${w.slide_seconds}) is longer than the window (${s.sizing.windowing.duration_seconds})`, path: svcPath(s, 'stream', 'windowing', 'slide_seconds') });
    }
    const c = spec.consumer;
    if (c?.visibility_timeout_seconds !== undefined) {
      const timeout = s.sizing.timeout_seconds;
      if (c.visibility_timeout_seconds < 6 * timeout) {
        report({
          code: 'AF4009',
          message: `consumer.visibility_timeout_seconds (${c.visibility_timeout_seconds}) is below 6 × timeout_seconds (${6 * timeout}) for ${s.name}: messages still being processed would be delivered again`,
          path: svcPath(s, 'consumer', 'visibility_timeout_seconds'),
          hint: `raise it to at least ${6 * timeout}, lower timeout_seconds, or leave it out (default: 6 × timeout_seconds)`,
        });
      }
    }

    // Schedules
    if (spec.schedule) {
      const parsed = parseCron(spec.schedule.cron);
      if (isCronProblem(parsed)) {
        report({ code: 'AF4007', message: `invalid cron expression: ${parsed.message}`, path: svcPath(s, 'schedule', 'cron'), ...cronSpan(doc, svcPath(s, 'schedule', 'cron'), spec.schedule.cron, parsed.offset, parsed.length) });
      }
      const tz = s.sizing.schedule.timezone;
      if (!isTimeZone(tz)) {
        const suggestions = suggest(tz, timeZones(), 3);
        report({ code: 'AF4008', message: `unknown time zone "${tz}"`, path: svcPath(s, 'schedule', 'timezone'), suggestions, hint: didYouMean(suggestions) ?? 'use an IANA name such as Europe/Amsterdam or UTC' });
      }
    }
  }

  // Environments: overrides must name services
  for (const [envName, env] of Object.entries(model.file.environments ?? {})) {
    for (const svc of Object.keys(env.overrides ?? {})) {
      if (!byName.has(svc)) {
        const suggestions = suggest(svc, names);
        report({ code: 'AF4002', message: `environment "${envName}" overrides "${svc}", which is not a service of this architecture`, path: ['environments', envName, 'overrides', svc], at: 'key', suggestions, hint: didYouMean(suggestions) ?? `declared services: ${names.join(', ')}` });
      }
    }
  }

  // Authentication
  const auth = model.file.security?.authentication;
  if (auth?.provider !== undefined && auth.provider !== 'none' && auth.jwt_issuer === undefined) {
    report({ code: 'AF4012', message: `authentication provider "${auth.provider}" needs security.authentication.jwt_issuer`, path: ['security', 'authentication', 'provider'], hint: 'add jwt_issuer: https://your-issuer.example.com' });
  }
  // A schema or database per tenant is PostgreSQL's: every service keeping tenants' items must store them there.
  const isolation = model.file.tenant?.isolation;
  if (model.file.architecture.multi_tenant === true && (isolation === 'schema' || isolation === 'database')) {
    for (const s of services) {
      if (s.kind !== 'stateless' || s.database === 'postgres') continue;
      report({ code: 'AF4011', message: `tenant.isolation ${isolation} keeps each tenant's tables in a PostgreSQL ${isolation} of its own, but ${s.name} stores its items in ${s.database}`, path: s.spec.database?.type !== undefined ? svcPath(s, 'database', 'type') : ['tenant', 'isolation'], hint: `set ${s.name}'s database to postgres (or settings.default_database), or use tenant.isolation row-level` });
    }
    // A tenant's schema or database is made at its first request: on a public service, the tenant must be one the
    // identity provider vouches for, or any caller could make schemas or databases by naming new tenants.
    if (model.file.tenant?.claim === undefined) {
      for (const s of services) {
        if (s.kind !== 'stateless' || s.spec.public !== true) continue;
        report({ code: 'AF4012', message: `tenant.isolation ${isolation} makes a tenant's ${isolation} at its first request, and ${s.name} is public: its tenants must come from verified tokens (tenant.claim)`, path: svcPath(s, 'public'), hint: 'set tenant.claim (aws, with security.authentication), make the service internal (public: false, called by the services that depend on it), or use tenant.isolation row-level' });
      }
    }
  }
  // The tenant from a verified token's claim: the tokens must be verified, and the architecture serve tenants.
  if (model.file.tenant?.claim !== undefined) {
    if (auth?.provider === undefined || auth.provider === 'none') {
      report({ code: 'AF4012', message: 'tenant.claim needs security.authentication: without verified tokens there is no claim to read', path: ['tenant', 'claim'], hint: 'set security.authentication (provider and jwt_issuer), or remove tenant.claim and take the tenant from tenant.header' });
    }
    if (model.file.architecture.multi_tenant !== true) {
      report({ code: 'AF4012', message: 'tenant.claim is read only with architecture.multi_tenant: true', path: ['tenant', 'claim'], hint: 'set architecture.multi_tenant: true, or remove tenant.claim' });
    }
  }

  checkCycles(services, byName, report);
}

/** Synchronous call edges (depends_on and bff.aggregates) must not form a cycle. Each cycle is reported once. */
function checkCycles(services: readonly ResolvedService[], byName: Map<string, ResolvedService>, report: (d: DiagnosticInit) => void): void {
  const edges = (s: ResolvedService): { to: string; path: DocPath }[] => [
    ...(s.spec.depends_on ?? []).map((to, i) => ({ to, path: svcPath(s, 'depends_on', i) })),
    ...(s.spec.bff?.aggregates ?? []).map((to, i) => ({ to, path: svcPath(s, 'bff', 'aggregates', i) })),
  ];
  const state = new Map<string, 'active' | 'done'>();
  const stack: string[] = [];
  const reported = new Set<string>();
  const visit = (s: ResolvedService) => {
    state.set(s.name, 'active');
    stack.push(s.name);
    for (const e of edges(s)) {
      const next = byName.get(e.to);
      if (!next || next.name === s.name) continue;
      const st = state.get(next.name);
      if (st === 'active') {
        const cycle = stack.slice(stack.indexOf(next.name));
        const key = [...cycle].sort().join('|');
        if (!reported.has(key)) {
          reported.add(key);
          report({ code: 'AF4004', message: `dependency cycle: ${[...cycle, next.name].join(' → ')}`, path: e.path, hint: 'a synchronous call chain must not return to where it started; decouple one edge with an event' });
        }
      } else if (st === undefined) {
        visit(next);
      }
    }
    stack.pop();
    state.set(s.name, 'done');
  };
  for (const s of services) if (!state.has(s.name) && byName.get(s.name) === s) visit(s);
}

/** "a consumer", "an event-sourced" (capitalised at the start of a sentence). */
function an(word: string, capital = false): string {
  const article = /^["']?[aeiou]/i.test(word) ? 'an' : 'a';
  return `${capital ? article[0]!.toUpperCase() + article.slice(1) : article} ${word}`;
}

export function svcPath(s: { index: number }, ...rest: (string | number)[]): DocPath {
  return ['services', s.index, ...rest];
}

function cronSpan(doc: SourceDocument, path: DocPath, expr: string, offset: number, length: number): { span?: ReturnType<SourceDocument['lines']['span']> } {
  const loc = doc.map.locate(path);
  if (!loc.exact || !loc.location) return {};
  const v = loc.location.value;
  const at = doc.text.slice(v.start.offset, v.end.offset).indexOf(expr);
  if (at < 0) return {};
  const start = v.start.offset + at + offset;
  return { span: doc.lines.span(start, start + length) };
}

let zones: string[] | undefined;
function timeZones(): string[] {
  zones ??= [...Intl.supportedValuesOf('timeZone'), 'UTC'];
  return zones;
}

function isTimeZone(tz: string): boolean {
  if (timeZones().includes(tz)) return true;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return /\//.test(tz) || tz === 'UTC' || tz === 'GMT';
  } catch {
    return false;
  }
}
