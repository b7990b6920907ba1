import * as Y from 'yjs';
import { createLogger, CrdtClient, CrdtDocumentStore, MemoryRepository } from '@allframe/platform';
import type { CrdtEntry } from '@allframe/platform';
import { MemoryConnectionRegistry, MemorySender } from '../src/adapters/memory';
import { Gateway } from '../src/application/gateway';
import type { Authorizer } from '../src/auth';

/**
 * The gateway's CRDT documents (websocket.crdt), as API Gateway on Lambda runs them: every message through a new
 * Gateway over the same store and registry (nothing kept between messages), the sender's messages delivered later,
 * so that clients edit concurrently before they hear of each other.
 */
function setup() {
  const repository = new MemoryRepository<CrdtEntry>();
  const registry = new MemoryConnectionRegistry();
  const sender = new MemorySender();
  const logger = createLogger({ service: 'test', level: 'silent' });
  const authorize: Authorizer = () => Promise.resolve({ subject: 'tester' });
  const gateway = () => new Gateway({ registry, sender, authorize, logger, documents: new CrdtDocumentStore(repository, { snapshotEvery: 4 }) });
  const inbox: { from: string; body: string }[] = [];
  const online = new Set<string>();
  const clients = new Map<string, CrdtClient>();
  const client = (id: string) => {
    const c = new CrdtClient('notes', new Y.Doc(), (body) => inbox.push({ from: id, body }));
    clients.set(id, c);
    return c;
  };
  const connect = async (id: string) => {
    await gateway().connect({ connectionId: id, headers: {}, query: {} });
    online.add(id);
    clients.get(id)!.connected();
  };
  const disconnect = async (id: string) => {
    await gateway().disconnect(id);
    online.delete(id);
    clients.get(id)!.disconnected();
  };
  /** Handles every queued message, then delivers what was sent, until nothing moves. */
  const settle = async () => {
    while (inbox.length > 0 || sender.sent.length > 0) {
      for (const { from, body } of inbox.splice(0)) await gateway().onMessage(from, body);
      for (const { connectionId, payload } of sender.sent.splice(0)) if (online.has(connectionId)) clients.get(connectionId)!.receive(payload);
    }
  };
  const close = () => clients.forEach((c) => c.destroy());
  return { repository, registry, sender, client, connect, disconnect, settle, close };
}

describe('__service__ documents', () => {
  test('two clients editing the same document concurrently converge', async () => {
    const hub = setup();
    const [a, b] = [hub.client('a'), hub.client('b')];
    await hub.connect('a');
    await hub.connect('b');
    await hub.settle();
    // WHEN both edit before either hears of the other
    a.doc.getText('body').insert(0, 'from a;');
    b.doc.getText('body').insert(0, 'from b;');
    await hub.settle();
    // THEN both hold the same text, with both edits
    expect(a.doc.getText('body').toJSON()).toBe(b.doc.getText('body').toJSON());
    expect(a.doc.getText('body').toJSON()).toMatch(/^(from a;from b;|from b;from a;)$/);
    expect((await hub.registry.list()).map((c) => c.documents)).toEqual([['notes'], ['notes']]);
    hub.close();
  });

  test('a client that edits offline and reconnects merges', async () => {
    const hub = setup();
    const [a, b] = [hub.client('a'), hub.client('b')];
    await hub.connect('a');
    await hub.connect('b');
    a.doc.getText('body').insert(0, 'start');
    await hub.settle();
    // GIVEN b offline while both edit
    await hub.disconnect('b');
    b.doc.getText('body').insert(5, ' (b offline)');
    for (const word of ['one ', 'two ', 'three ', 'four ', 'five ']) {
      a.doc.getText('body').insert(0, word);
      await hub.settle();
    }
    // WHEN b reconnects THEN both merge (the log was compacted into a snapshot meanwhile)
    await hub.connect('b');
    await hub.settle();
    expect(b.doc.getText('body').toJSON()).toBe(a.doc.getText('body').toJSON());
    expect(a.doc.getText('body').toJSON()).toBe('five four three two one start (b offline)');
    expect((await hub.repository.list(1000)).some((e) => e.kind === 'head')).toBe(true);
    hub.close();
  });

  test('a malformed frame is answered with an error, and the connection stays registered', async () => {
    const hub = setup();
    hub.client('a');
    await hub.connect('a');
    await hub.settle();
    const gateway = new Gateway({
      registry: hub.registry,
      sender: hub.sender,
      authorize: () => Promise.resolve({ subject: 'tester' }),
      logger: createLogger({ service: 'test', level: 'silent' }),
      documents: new CrdtDocumentStore(hub.repository),
    });
    await gateway.onMessage('a', JSON.stringify({ type: 'yjs', doc: 'notes', message: 'Bw==' }));
    expect(JSON.parse(hub.sender.sent[0]!.payload)).toMatchObject({ type: 'error' });
    expect((await hub.registry.list()).map((c) => c.id)).toEqual(['a']);
    hub.close();
  });
});
