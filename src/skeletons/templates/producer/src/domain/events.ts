/**
 * The data of each published event and its validator (a type guard). Tighten them as the payloads take shape; they // @if registry
 * should agree with the schemas registered in __registry__. // @if registry
 * The data of each published event and its validator (a type guard). Tighten them as the payloads take shape. // @if !registry
 */

function isObject(data: unknown): data is Record<string, unknown> {
  return typeof data === 'object' && data !== null && !Array.isArray(data);
}
// @each events

/** The data of __Event__. */
export type __Event__Data = Record<string, unknown>;

/** True when `data` is valid __Event__ data. */
export function is__Event__(data: unknown): data is __Event__Data {
  return isObject(data);
}
// @end
