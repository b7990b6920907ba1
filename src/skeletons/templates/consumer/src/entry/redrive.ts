// Moves up to N messages (argument, default 100) from DLQ_URL back to QUEUE_URL: npx tsx src/entry/redrive.ts 50
import { redrive } from '@allframe/platform';
import { loadConfig } from '../config';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  if (config.DLQ_URL === '' || config.QUEUE_URL === '') throw new Error('DLQ_URL and QUEUE_URL are required');
  const max = Number(process.argv[2] ?? '100');
  if (!Number.isInteger(max) || max < 1) throw new Error('the maximum must be a positive integer');
  const moved = await redrive({ dlqUrl: config.DLQ_URL, queueUrl: config.QUEUE_URL, max });
  console.log(`moved ${moved} message(s) from the dead-letter queue`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
