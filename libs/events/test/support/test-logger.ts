import { recordingLogger, type RecordingLogger } from '@shop/testing';

export type { LogEntry } from '@shop/testing';

/** A logger that keeps entries for assertions; set EVENTS_TEST_LOG=1 to also print warnings and errors. */
export const testLogger = (): RecordingLogger => recordingLogger('EVENTS_TEST_LOG');
