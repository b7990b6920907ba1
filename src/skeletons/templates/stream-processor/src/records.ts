import { parseEnvelope } from '@allframe/platform';
import type { EventEnvelope, Logger } from '@allframe/platform';
import type { KinesisStreamEvent, KinesisStreamRecord, SQSEvent, SQSRecord } from 'aws-lambda';

/** The event envelopes of a Kinesis or SQS batch; a record that is not an envelope is logged and skipped. */
export function parseRecords(event: KinesisStreamEvent | SQSEvent, logger: Logger): EventEnvelope[] {
  const records: readonly (KinesisStreamRecord | SQSRecord)[] = event.Records;
  const events: EventEnvelope[] = [];
  for (const record of records) {
    const body = 'kinesis' in record ? Buffer.from(record.kinesis.data, 'base64').toString('utf8') : record.body;
    try {
      events.push(parseEnvelope(body));
    } catch (err) {
      logger.warn({ err }, 'record skipped: not an event envelope');
    }
  }
  return events;
}
