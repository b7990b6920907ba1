import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { testSecrets } from '@allframe/platform';
import { buildGrpc, GRPC_FILE } from '../src/app';
import { loadConfig } from '../src/config';
import { createDependencies } from '../src/deps';
import { SECRET_NAMES } from '../src/secrets';

/** The service's gRPC API as a .proto file, committed under proto/ so that a change to the API shows in review. */
const FILE = join(__dirname, '..', 'proto', GRPC_FILE);

/**
 * The .proto file is the API the service serves over gRPC, from its schemas: what clients in other languages generate
 * code from. `npm run proto` writes it after a change to the schemas (UPDATE_PROTO=1); a run that finds none writes
 * it, as jest writes a new snapshot.
 */
test('the committed .proto file is the API served over gRPC (npm run proto updates it)', async () => {
  const deps = createDependencies(loadConfig({ LOG_LEVEL: 'silent' }), testSecrets(SECRET_NAMES));
  try {
    const text = buildGrpc(deps).api.proto.print();
    if (process.env.UPDATE_PROTO === '1' || !existsSync(FILE)) {
      mkdirSync(dirname(FILE), { recursive: true });
      writeFileSync(FILE, text);
    }
    expect(readFileSync(FILE, 'utf8')).toBe(text);
  } finally {
    await deps.close();
  }
});
