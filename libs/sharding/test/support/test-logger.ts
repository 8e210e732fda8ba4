import { recordingLogger, type RecordingLogger } from '@shop/testing';

export type { LogEntry } from '@shop/testing';

/** A logger that keeps entries for assertions; SHARDING_TEST_LOG=1 also prints warnings and errors. */
export const testLogger = (): RecordingLogger => recordingLogger('SHARDING_TEST_LOG');
