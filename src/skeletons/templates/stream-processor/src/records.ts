import { EVENT_SCHEMAS } from '@allframe/events';
import { EventValidationError, parseEnvelope } from '@allframe/platform';
import type { EventEnvelope, Logger } from '@allframe/platform';
import type { KinesisStreamEvent, KinesisStreamRecord, SQSEvent, SQSRecord } from 'aws-lambda';

/**
 * The event envelopes of a Kinesis or SQS batch; a record that is not an envelope, or whose data do not match its
 * event's contract (the events package), is logged (naming the fields) and skipped.
 */
export function parseRecords(event: KinesisStreamEvent | SQSEvent, logger: Logger): EventEnvelope[] {
  const records: readonly (KinesisStreamRecord | SQSRecord)[] = event.Records;
  const events: EventEnvelope[] = [];
  for (const record of records) {
    const body = 'kinesis' in record ? Buffer.from(record.kinesis.data, 'base64').toString('utf8') : record.body;
    try {
      events.push(parseEnvelope(body, EVENT_SCHEMAS));
    } catch (err) {
      if (err instanceof EventValidationError) logger.warn({ err, fields: err.fields }, 'record skipped: its event does not match its contract');
      else logger.warn({ err }, 'record skipped: not an event envelope');
    }
  }
  return events;
}
