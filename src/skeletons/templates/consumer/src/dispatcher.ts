import { EVENT_SCHEMAS } from '@allframe/events';
import { processBatch } from '@allframe/platform';
import type { BatchProcessor, EventEnvelope, EventHandler, EventSchemas, ProcessOptions } from '@allframe/platform';
// @if events
import {
  on__Event__, // @each events
} from './application/handlers';
// @end
import type { HandlerDeps } from './application/handlers';
import type { Dependencies } from './deps';

/** A handler of one event type. */
export type Handler = (event: EventEnvelope, deps: HandlerDeps) => Promise<void>;

/** The consumed events and their handlers. */
export const HANDLERS: Readonly<Record<string, Handler>> = {
  __Event__: on__Event__, // @each events
};

/** Routes an event to the handler of its type; an event type nobody handles is a failure (it ends in the DLQ). */
export function createDispatcher(deps: HandlerDeps, handlers: Readonly<Record<string, Handler>> = HANDLERS): EventHandler {
  return (event) => {
    const handler = Object.prototype.hasOwnProperty.call(handlers, event.type) ? handlers[event.type] : undefined;
    if (!handler) return Promise.reject(new Error(`no handler for event type ${event.type}`));
    return handler(event, deps);
  };
}

/**
 * Options of the batch processing: each event id is handled once, per-message failures are reported, and an event
 * whose data do not match its contract (the events package) fails before its handler runs, as a poison message.
 */
export function processOptions(deps: Dependencies, ttlSeconds: number, schemas: EventSchemas = EVENT_SCHEMAS): ProcessOptions {
  return { logger: deps.logger, store: deps.idempotency, ttlSeconds, schemas };
}

/**
 * Processes a batch of queue messages through the dispatcher, checking each event against its contract; `onFailure`
 * hears why a message failed (the JetStream consumer puts it in the dead letter).
 */
export function createProcessor(
  deps: Dependencies,
  ttlSeconds: number,
  handlers: Readonly<Record<string, Handler>> = HANDLERS,
  schemas: EventSchemas = EVENT_SCHEMAS,
): BatchProcessor {
  const dispatch = createDispatcher(deps, handlers);
  const options = processOptions(deps, ttlSeconds, schemas);
  return (messages, onFailure) => processBatch(messages, dispatch, { ...options, onFailure });
}
