import type { Env, Hono, Schema } from 'hono';
import { handle } from 'hono/aws-lambda';

/** A Lambda HTTP handler for a Hono app (API Gateway REST/HTTP APIs, ALB, function URLs). */
export type LambdaHttpHandler = ReturnType<typeof handle>;

/** The event a {@link LambdaHttpHandler} accepts (derived from hono, which `@types/aws-lambda` does not match). */
export type LambdaHttpEvent = Parameters<LambdaHttpHandler>[0];

/** Wraps `app` as a Lambda handler. */
export function httpHandler<E extends Env, S extends Schema, B extends string>(app: Hono<E, S, B>): LambdaHttpHandler {
  return handle(app);
}
