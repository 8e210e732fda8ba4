import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { findFreePort } from '@shop/testing';
import type { FromChild, ToChild } from '../child-protocol.ts';

// nginx (the Debian package) as a reverse proxy in front of NGINX_UPSTREAM (host:port) with a keep-alive
// upstream pool, one worker like the gateway's one Node process, for gateway.bench.ts. This process only
// starts it, answers the harness and reports nginx's CPU time (master and worker, from /proc).

const NGINX = process.env['NGINX_BINARY'] ?? 'nginx';
const upstream = process.env['NGINX_UPSTREAM'];
if (!upstream) throw new Error('Set NGINX_UPSTREAM to the host:port nginx proxies to.');
// Linux reports process times in clock ticks of 1/100 s (USER_HZ) on every common architecture.
const TICKS_PER_SECOND = 100;

const dir = await mkdtemp(join(tmpdir(), 'shop-bench-nginx-'));
await mkdir(join(dir, 'temp'));
const port = await findFreePort();
const config = `
worker_processes 1;
daemon off;
error_log ${dir}/error.log warn;
pid ${dir}/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/temp/body;
  proxy_temp_path ${dir}/temp/proxy;
  fastcgi_temp_path ${dir}/temp/fastcgi;
  uwsgi_temp_path ${dir}/temp/uwsgi;
  scgi_temp_path ${dir}/temp/scgi;
  upstream service {
    server ${upstream};
    keepalive 128;
    keepalive_requests 1000000;
  }
  # nginx closes a keep-alive connection after 1,000 requests by default; Node's servers (the gateway,
  # product) never do. A round of 13k req/s over a few dozen connections passes that, and the reconnect
  # race then showed as a connection error that voided the whole run.
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://service;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Request-Id $request_id;
      proxy_set_header X-Forwarded-For $remote_addr;
    }
  }
}
`;
await writeFile(join(dir, 'nginx.conf'), config);
const nginx = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf')], {
  stdio: ['ignore', 'inherit', 'inherit'],
});
nginx.on('error', (error) => {
  process.stderr.write(`could not run ${NGINX}: ${error.message}\n`);
  process.exit(1);
});
nginx.on('exit', (code) => {
  void rm(dir, { recursive: true, force: true }).finally(() => process.exit(code ?? 0));
});

const accepts = () =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => resolve(socket.end() && true));
    socket.once('error', () => resolve(false));
  });
while (!(await accepts())) await delay(50);

async function cpuTicksOf(pid: number): Promise<{ ticks: number; parent: number }> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at the state, field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { ticks: Number(fields[11]) + Number(fields[12]), parent: Number(fields[1]) };
}

async function nginxCpuMicros(): Promise<number> {
  const master = nginx.pid!;
  let ticks = (await cpuTicksOf(master)).ticks;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === master) continue;
    const child = await cpuTicksOf(Number(entry)).catch(() => undefined);
    if (child?.parent === master) ticks += child.ticks;
  }
  return (ticks / TICKS_PER_SECOND) * 1e6;
}

process.on('message', (message: ToChild) => {
  if (message.type !== 'cpu-usage') return;
  void nginxCpuMicros().then((micros) => process.send?.({ type: 'cpu-usage', micros } satisfies FromChild));
});
process.on('SIGTERM', () => nginx.kill('SIGQUIT'));
process.channel?.unref();
process.send?.({ type: 'listening', port } satisfies FromChild);
