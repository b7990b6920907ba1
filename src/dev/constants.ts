/** Constants of `allframe dev` that the CLI reads without loading the runner. */

/** The first port of a local run by default: the emulators take the first ten, the services the next ones. */
export const DEFAULT_PORT_BASE = 4700;
