/**
 * Validates an AsyncAPI document with @asyncapi/parser (allframe's devDependency, not the generated workspace's: it
 * is some 170 packages, and the workspace's `npm install` has a budget), offline: a remote reference is recorded,
 * never fetched. Used on the documents the generated workspaces write (workspace-tests, e2e).
 */
import { Parser } from '@asyncapi/parser';

export interface AsyncApiCheck {
  /** `path: message` of each error the parser found. */
  readonly errors: string[];
  /** The remote references the document made (none expected). */
  readonly fetched: string[];
  /** The ids of its operations, by action. */
  readonly send: string[];
  readonly receive: string[];
  /** The names of its messages. */
  readonly messages: string[];
}

export async function checkAsyncApi(text: string): Promise<AsyncApiCheck> {
  const fetched: string[] = [];
  const offline = (schema: string) => ({
    schema,
    order: 1,
    read: (uri: unknown) => {
      fetched.push(String(uri));
      return '{}';
    },
  });
  const parser = new Parser({ __unstable: { resolver: { resolvers: [offline('http'), offline('https')] } } });
  const { document, diagnostics } = await parser.parse(text);
  const operations = document?.operations().all() ?? [];
  return {
    errors: diagnostics.filter((d) => Number(d.severity) === 0).map((d) => `${d.path.join('.')}: ${d.message}`),
    fetched,
    send: operations.filter((o) => o.isSend()).map((o) => o.id() ?? '').sort(),
    receive: operations.filter((o) => o.isReceive()).map((o) => o.id() ?? '').sort(),
    messages: (document?.messages().all() ?? []).map((m) => m.name() ?? '').sort(),
  };
}
