import { createServer } from 'node:http';
import { announceListening } from '../serve-in-child.ts';

// Stands in for an OpenTelemetry collector, so the traced contender exports its spans for real (batched,
// serialized to protobuf, POSTed) without a collector's own work competing for the cores.
// `GET /stats` tells how much arrived, so a run that exported nothing cannot pass for a traced one.
let exports = 0;
let bytes = 0;

const server = createServer((request, response) => {
  if (request.method === 'GET' && request.url === '/stats') {
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ exports, bytes }));
    return;
  }
  request.on('data', (chunk: Buffer) => (bytes += chunk.length));
  request.on('end', () => {
    exports += 1;
    // An empty body is a valid, fully successful ExportTraceServiceResponse.
    response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
  });
});

process.once('SIGTERM', () => {
  server.close();
  server.closeIdleConnections();
});
server.listen(0, '127.0.0.1', () => announceListening(server));
