/** Name conversions shared by the skeletons and the targets: `order-service` → OrderService, orderService, ORDER_SERVICE. */

export function pascal(name: string): string {
  return name
    .split(/[-_\s]+/)
    .filter(Boolean)
    .map((p) => p[0]!.toUpperCase() + p.slice(1))
    .join('');
}

export function camel(name: string): string {
  const p = pascal(name);
  return p[0]!.toLowerCase() + p.slice(1);
}

export function constant(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/[-\s]+/g, '_').toUpperCase();
}

/** PascalCase entity → kebab-case file name and plural route segment: OrderLine → order-line, order-lines. */
export function kebab(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/[_\s]+/g, '-')
    .toLowerCase();
}

export function plural(word: string): string {
  if (/(s|x|z|ch|sh)$/.test(word)) return `${word}es`;
  if (/[^aeiou]y$/.test(word)) return `${word.slice(0, -1)}ies`;
  return `${word}s`;
}

/** The PostgreSQL database of a service, on every target and locally: its name with underscores (`order-service` → `order_service`). */
export function databaseName(service: string): string {
  return service.replace(/-/g, '_');
}

/** The name the Fly.io target gives its event bus's app, as it names services' apps (`<app_prefix>-nats`): no service may take it. */
export const FLY_BUS_SERVICE_NAME = 'nats';
