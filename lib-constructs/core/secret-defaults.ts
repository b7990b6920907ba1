/** Defaults of every named service secret allframe builds. */
import { Duration } from 'aws-cdk-lib';

/** Secrets Manager's bounds on a rotation schedule. */
export const MIN_ROTATION_INTERVAL = Duration.hours(4);
export const MAX_ROTATION_INTERVAL = Duration.days(1000);

/** Secrets Manager's secret names: 1 to 512 of letters, digits and `/_+=.@-`. */
export const SECRET_NAME_PATTERN = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
