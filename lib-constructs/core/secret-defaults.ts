/** Defaults of every named service secret allframe builds. */
import { Duration } from 'aws-cdk-lib';

/** Secrets Manager's bounds on a rotation schedule. */
export const MIN_ROTATION_INTERVAL = Duration.hours(4);
export const MAX_ROTATION_INTERVAL = Duration.days(1000);

/** Secrets Manager's secret names: 1 to 512 of letters, digits and `/_+=.@-`. */
export const SECRET_NAME_PATTERN = /^[A-Za-z0-9/_+=.@-]{1,512}$/;

/** Length of the values allframe generates for a secret it manages (letters and digits: about 285 bits). */
export const GENERATED_SECRET_LENGTH = 48;

/** One step of a rotation makes at most four Secrets Manager calls. */
export const ROTATION_FUNCTION_TIMEOUT = Duration.seconds(30);
