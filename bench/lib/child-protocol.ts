// Messages between the bench harness and a server it started in a child process (over the IPC channel).
export type ToChild = { type: 'cpu-usage' };
export type FromChild =
  { type: 'listening'; port: number; opsPort?: number } | { type: 'cpu-usage'; micros: number };
