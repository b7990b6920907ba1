import type { LegacyRecord, Upstream } from '../adapters/upstream';

function notImplemented(): Error {
  return new Error('acl.protocol __protocol__: allframe generates no client for it; implement CustomUpstream in src/application/custom-upstream.ts');
}

/** The legacy system speaks __protocol__: implement this port with a __protocol__ client. */
export class CustomUpstream implements Upstream {
  changes(_since: string | undefined): Promise<LegacyRecord[]> {
    return Promise.reject(notImplemented());
  }

  fetch(_id: string): Promise<LegacyRecord | undefined> {
    return Promise.reject(notImplemented());
  }
}
