import { z } from '@hono/zod-openapi';

/** The commands of a __Entity__ (route segment → the event it records). Add a command here and handle it in decide. */
export const __ENTITY___COMMANDS = {
  '__command__': '__Event__', // @each commands
} as const;

export type __Entity__Command = keyof typeof __ENTITY___COMMANDS;

/** The body of a command: any JSON object to start with. Narrow it here (per command in decide): the route checks it. */
export const __Entity__CommandInputSchema = z.record(z.string(), z.unknown()).openapi('__Entity__CommandInput');
export type __Entity__CommandInput = z.infer<typeof __Entity__CommandInputSchema>;
export type __Entity__EventType = (typeof __ENTITY___COMMANDS)[__Entity__Command];

/** An event of a __Entity__, as decided by a command. */
export interface __Entity__Event {
  readonly type: __Entity__EventType;
  readonly data: Record<string, unknown>;
}

/** A __Entity__: the state its events add up to. */
export const __Entity__Schema = z
  .object({
    id: z.string(),
    version: z.number().int().min(0).max(2 ** 31 - 1).openapi({ description: 'How many events made this state' }),
    fields: z.record(z.string(), z.unknown()),
    lastEvent: z.string().optional(),
    updatedAt: z.string().optional(),
  })
  .openapi('__Entity__');
export type __Entity__ = z.infer<typeof __Entity__Schema>;

export function initial__Entity__(id: string): __Entity__ {
  return { id, version: 0, fields: {} };
}

export function is__Entity__Command(name: string): name is __Entity__Command {
  return Object.hasOwn(__ENTITY___COMMANDS, name);
}

/** Decides the events of a command from the current state. Throw an HttpError (@allframe/platform) to refuse. */
export function decide(state: __Entity__, command: __Entity__Command, input: __Entity__CommandInput): __Entity__Event[] {
  void state; // this skeleton records any JSON object: decide from the state what a command may do
  return [{ type: __ENTITY___COMMANDS[command], data: { ...input } }];
}

/** Applies one event to the state. Keep it pure and total: it replays history on every load. */
export function apply__Entity__Event(state: __Entity__, event: { readonly type: string; readonly data: Record<string, unknown>; readonly time?: string }): __Entity__ {
  return { ...state, version: state.version + 1, fields: { ...state.fields, ...event.data }, lastEvent: event.type, updatedAt: event.time ?? state.updatedAt };
}
