/** What a flavour of `allframe dev` (the emulators of one target) provides to the runner (index.ts). */
import type { LogLine, Supervisor } from './processes';
import type { Tool } from './tools';

/** Where a run is: its port base, each service's port, and allframe's environment. */
export interface RunPlace {
  readonly base: number;
  readonly ports: ReadonlyMap<string, number>;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The services the run starts (--only). */
  readonly only: ReadonlySet<string>;
}

/** What a flavour's start gets: the supervisor to start its emulators with, the tools found, the workspace's require. */
export interface FlavourContext {
  readonly supervisor: Supervisor;
  readonly tools: Partial<Record<Tool, string>>;
  readonly req: NodeJS.Require;
  /** A directory of the run's own (data of the emulators), removed at the end. */
  readonly state: string;
  readonly childEnv: NodeJS.ProcessEnv;
  readonly log: (line: LogLine) => void;
}

/** The emulators of a target and how the services are configured for them. */
export interface Flavour {
  readonly tools: readonly Tool[];
  /** The ports the emulators take (checked free before anything starts). */
  readonly ports: readonly (readonly [string, number])[];
  /** A package the workspace must have installed for this flavour. */
  readonly sdkProbe: string;
  /** Every service's environment. */
  readonly environments: ReadonlyMap<string, Readonly<Record<string, string>>>;
  readonly emulators: ReadonlyMap<string, string>;
  readonly notes: readonly string[];
  /** Starts the emulators and creates the infrastructure on them. */
  start(ctx: FlavourContext): Promise<void>;
  /** Once the services are ready: what the flavour runs beside them (queue bridges). */
  servicesReady?(ctx: FlavourContext): void;
  close(): Promise<void>;
}

