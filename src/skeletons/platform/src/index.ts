// The shared runtime of every service: config, logging, tracing, HTTP, messaging, storage and resilience.
export * from './aws';
export * from './cache';
export * from './config';
export * from './consumer';
export * from './events';
export * from './http';
export * from './idempotency';
export * from './lambda';
export * from './logger';
export * from './outbox';
export * from './postgres';
export * from './repository';
export * from './resilience';
export * from './secrets';
export * from './server';
export * from './tracing';
export * from './wiring';
