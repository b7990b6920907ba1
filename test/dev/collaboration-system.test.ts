/**
 * The collaboration template under `allframe dev` (aws flavour, on moto): Yjs clients edit documents through the
 * document service's WebSockets (its container entry serves them), with the code as the template generates it. The
 * documents' log and snapshots are in its DynamoDB table on moto, the connections (and the documents each joined) in
 * its connections table, as on AWS; every message loads its document from the table.
 *
 * Checked: two clients editing one document concurrently converge; a client that edits offline and reconnects
 * merges; presence (awareness) reaches the document's others; a client joining later gets the document from the store;
 * the log is compacted into a snapshot.
 */
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { startDev, type DevRun, type DevService } from '../../src/dev';
import type { LogLine } from '../../src/dev/processes';
import { findTemplate } from '../../src/ignite/templates';
import { CrdtClient } from '../../src/skeletons/platform/src/crdt-client';
import { describeWithReferee } from '../referees';
import { eventually, printLogsOnFailure } from './scenarios';
import { writeDevWorkspace, type DevWorkspace } from './workspace';

const credentials = { accessKeyId: 'AKIAALLFRAMEDEVLOCAL1', secretAccessKey: 'allframe-dev-local-secret-access-key-0000' };

/** A Yjs client of one document over a real WebSocket; `reconnect` opens a new socket for the same Y.Doc. */
class Editor {
  readonly client: CrdtClient;
  private socket: WebSocket | undefined;

  constructor(
    private readonly url: string,
    document: string,
  ) {
    this.client = new CrdtClient(document, new Y.Doc(), (frame) => this.socket?.send(frame));
  }

  get text(): string {
    return this.client.doc.getText('body').toJSON();
  }

  insert(index: number, text: string): void {
    this.client.doc.getText('body').insert(index, text);
  }

  async connect(): Promise<void> {
    const socket = new WebSocket(this.url);
    socket.on('message', (data: Buffer) => this.client.receive(data.toString('utf8')));
    await new Promise<void>((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    this.socket = socket;
    this.client.connected();
    await eventually('the document synced', () => Promise.resolve(this.client.synced ? true : undefined), 15_000);
  }

  async disconnect(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    this.client.disconnected();
    if (socket === undefined) return;
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.close();
    await closed;
  }

  async destroy(): Promise<void> {
    await this.disconnect();
    this.client.destroy();
  }
}

describeWithReferee('moto_server', 'allframe dev runs the collaboration template (aws flavour)', () => {
  let ws: DevWorkspace;
  let run: DevRun;
  let dynamodb: DynamoDBClient;
  const logs: LogLine[] = [];
  const editors: Editor[] = [];
  const service = (name: string): DevService => run.services.find((s) => s.name === name)!;

  beforeAll(async () => {
    // the template as ignite writes it, compacting every 5 updates instead of 50 so that a test sees a snapshot
    const text = findTemplate('collaboration')!.render({ name: 'dev-collab', cloud: 'aws' }).replace('snapshot_every: 50', 'snapshot_every: 5');
    expect(text).toContain('snapshot_every: 5 }');
    ws = await writeDevWorkspace('node_modules/.cache/dev-collab.yaml', { text, env: {} });
    run = await startDev({ model: ws.model, outputs: ws.outputs, workspace: ws.dir, env: process.env, portBase: 6300, log: (l) => logs.push(l) });
    dynamodb = new DynamoDBClient({ endpoint: run.emulators.get('moto')!, region: 'eu-west-1', credentials });
  }, 180_000);

  afterAll(async () => {
    for (const e of editors) await e.destroy();
    dynamodb?.destroy();
    await run?.stop();
    ws?.remove();
  }, 60_000);

  printLogsOnFailure(logs);

  /** An editor of `document` with an (unsigned: the template's verifier checks expiry and issuer only) token. */
  const editor = (document: string, subject: string): Editor => {
    const gateway = service('document-service');
    const claims = Buffer.from(JSON.stringify({ exp: Math.floor(Date.now() / 1000) + 600, iss: gateway.environment.JWT_ISSUER ?? ws.model.file.security?.authentication?.jwt_issuer ?? '', sub: subject })).toString('base64url');
    const e = new Editor(`${gateway.url.replace(/^http/, 'ws')}/?token=${Buffer.from('{"alg":"none"}').toString('base64url')}.${claims}.`, document);
    editors.push(e);
    return e;
  };
  const scan = async (table: string) => (await dynamodb.send(new ScanCommand({ TableName: table, ConsistentRead: true }))).Items ?? [];

  test('the document service keeps its documents in DynamoDB (moto) and its connections in the connections table', () => {
    expect(service('document-service').environment).toMatchObject({ STORE: 'dynamodb', TABLE_PREFIX: 'dev-collab-document-service', CONNECTIONS_STORE: 'dynamodb', SENDER: 'memory' });
  });

  test('two clients editing the same document concurrently converge; the log and the connections are in DynamoDB', async () => {
    const [a, b] = [editor('plan', 'ada'), editor('plan', 'bob')];
    await a.connect();
    await b.connect();
    // both edit at once, before either hears of the other
    a.insert(0, 'Ada was here. ');
    b.insert(0, 'Bob was here. ');
    const both = await eventually('both edits on both clients', () => Promise.resolve(a.text.length === 28 && a.text === b.text ? a.text : undefined), 15_000);
    expect(both).toContain('Ada was here. ');
    expect(both).toContain('Bob was here. ');
    const entries = await scan('dev-collab-document-service-documents');
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.every((e) => e.doc?.S === 'plan')).toBe(true);
    const connections = await scan(service('document-service').environment.CONNECTIONS_TABLE!);
    expect(connections.filter((c) => c.documents?.SS?.includes('plan'))).toHaveLength(2);
  }, 60_000);

  test('a client that edits offline and reconnects merges; a client joining later gets the whole document from the store', async () => {
    const [a, b] = [editor('notes', 'ada'), editor('notes', 'bob')];
    await a.connect();
    await b.connect();
    a.insert(0, 'start');
    await eventually('b has the start', () => Promise.resolve(b.text === 'start' ? true : undefined), 15_000);
    // b goes offline; both edit (a's updates compact the log into a snapshot meanwhile)
    await b.disconnect();
    b.insert(5, ' (offline)');
    for (const word of ['one ', 'two ', 'three ', 'four ', 'five ', 'six ']) a.insert(0, word);
    await eventually('a\'s edits stored', async () => ((await scan('dev-collab-document-service-documents')).some((e) => e.kind?.S === 'head' && e.doc?.S === 'notes') ? true : undefined), 15_000);
    expect(b.text).toBe('start (offline)');
    // b reconnects: both ways merged
    await b.connect();
    const merged = 'six five four three two one start (offline)';
    await eventually('both merged', () => Promise.resolve(a.text === merged && b.text === merged ? true : undefined), 15_000);
    // a newcomer is sent the whole document, loaded from the snapshot and the log
    const c = editor('notes', 'cy');
    await c.connect();
    expect(c.text).toBe(merged);
  }, 60_000);

  test('presence (awareness) reaches the document\'s other clients, not another document\'s', async () => {
    const [a, b, other] = [editor('agenda', 'ada'), editor('agenda', 'bob'), editor('minutes', 'cy')];
    a.client.awareness.setLocalStateField('user', { name: 'Ada', cursor: 0 });
    await other.connect();
    await b.connect();
    await a.connect();
    const seen = await eventually('Ada\'s presence at Bob', () => Promise.resolve(b.client.awareness.getStates().get(a.client.doc.clientID) as { user?: { name: string } } | undefined), 15_000);
    expect(seen.user?.name).toBe('Ada');
    a.client.awareness.setLocalStateField('user', { name: 'Ada', cursor: 7 });
    await eventually('the cursor moved at Bob', () => Promise.resolve((b.client.awareness.getStates().get(a.client.doc.clientID) as { user?: { cursor: number } } | undefined)?.user?.cursor === 7 ? true : undefined), 15_000);
    expect(other.client.awareness.getStates().has(a.client.doc.clientID)).toBe(false);
  }, 60_000);
});
