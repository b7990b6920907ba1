import { HttpError } from '@allframe/platform';

/** The commands of a __Entity__ (route segment → the event it records). Add a command here and handle it in decide. */
export const __ENTITY___COMMANDS = {
  '__command__': '__Event__', // @each commands
} as const;

export type __Entity__Command = keyof typeof __ENTITY___COMMANDS;
export type __Entity__EventType = (typeof __ENTITY___COMMANDS)[__Entity__Command];

/** An event of a __Entity__, as decided by a command. */
export interface __Entity__Event {
  readonly type: __Entity__EventType;
  readonly data: Record<string, unknown>;
}

/** A __Entity__: the state its events add up to. */
export interface __Entity__ {
  readonly id: string;
  /** How many events made this state. */
  readonly version: number;
  readonly fields: Record<string, unknown>;
  readonly lastEvent?: string;
  readonly updatedAt?: string;
}

export function initial__Entity__(id: string): __Entity__ {
  return { id, version: 0, fields: {} };
}

export function is__Entity__Command(name: string): name is __Entity__Command {
  return Object.hasOwn(__ENTITY___COMMANDS, name);
}

/** Decides the events of a command from the current state. Validate here: throw an HttpError to refuse. */
export function decide(state: __Entity__, command: __Entity__Command, input: unknown): __Entity__Event[] {
  void state; // this skeleton records any JSON object: decide from the state what a command may do
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new HttpError(400, 'expected a JSON object');
  return [{ type: __ENTITY___COMMANDS[command], data: { ...(input as Record<string, unknown>) } }];
}

/** Applies one event to the state. Keep it pure and total: it replays history on every load. */
export function apply__Entity__Event(state: __Entity__, event: { readonly type: string; readonly data: Record<string, unknown>; readonly time?: string }): __Entity__ {
  return { ...state, version: state.version + 1, fields: { ...state.fields, ...event.data }, lastEvent: event.type, updatedAt: event.time ?? state.updatedAt };
}
