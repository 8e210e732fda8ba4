// The pinned Kubernetes tools the tests run, built from the Go module proxy on first use and cached under
// ~/.cache/shop-k8s (outside the repository, so every worktree and CI step shares one build). A build holds
// a lock directory; a second process waits for it with a progress line instead of building again, the way
// libs/testing/src/jaeger-binary.ts does for Jaeger. `node k8s/src/tools.ts [name...]` builds them (CI
// starts that in the background early: the API server is ~10 minutes cold on 2 cores).
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildLockOf, isProcessAlive, readBuildLockOwner, takeBuildLock } from '@shop/testing';

export const KUBERNETES_VERSION = 'v1.34.4';
/** The staging modules k8s.io/kubernetes replaces with its own directories; a wrapper module pins them. */
const STAGING = [
  'api',
  'apiextensions-apiserver',
  'apimachinery',
  'apiserver',
  'cli-runtime',
  'client-go',
  'cloud-provider',
  'cluster-bootstrap',
  'code-generator',
  'component-base',
  'component-helpers',
  'controller-manager',
  'cri-api',
  'cri-client',
  'csi-translation-lib',
  'dynamic-resource-allocation',
  'endpointslice',
  'externaljwt',
  'kms',
  'kube-aggregator',
  'kube-controller-manager',
  'kube-proxy',
  'kube-scheduler',
  'kubectl',
  'kubelet',
  'metrics',
  'mount-utils',
  'pod-security-admission',
  'sample-apiserver',
  'sample-cli-plugin',
  'sample-controller',
];

interface Tool {
  /** The module `go get` fetches and its version. */
  module: string;
  version: string;
  /** The package `go build` compiles. */
  pkg: string;
  /** Extra go.mod lines (replace directives). */
  goMod?: string[];
  minutes: string;
}

const kubernetes = (cmd: string, minutes: string): Tool => ({
  module: 'k8s.io/kubernetes',
  version: KUBERNETES_VERSION,
  pkg: `k8s.io/kubernetes/cmd/${cmd}`,
  goMod: STAGING.map(
    (m) => `replace k8s.io/${m} => k8s.io/${m} ${KUBERNETES_VERSION.replace(/^v1\./, 'v0.')}`,
  ),
  minutes,
});

export const TOOLS = {
  kustomize: {
    module: 'sigs.k8s.io/kustomize/kustomize/v5',
    version: 'v5.8.2',
    pkg: 'sigs.k8s.io/kustomize/kustomize/v5',
    minutes: '1',
  },
  kubeconform: {
    module: 'github.com/yannh/kubeconform',
    version: 'v0.8.0',
    pkg: 'github.com/yannh/kubeconform/cmd/kubeconform',
    minutes: '1',
  },
  etcd: {
    module: 'go.etcd.io/etcd/server/v3',
    version: 'v3.6.16',
    pkg: 'go.etcd.io/etcd/server/v3',
    minutes: '2-4',
  },
  'kube-apiserver': kubernetes('kube-apiserver', '8-15'),
  kubectl: kubernetes('kubectl', '2-4'),
  // The rollout test: the controllers and the scheduler, with kwok playing the nodes and kubelets.
  'kube-controller-manager': kubernetes('kube-controller-manager', '2-4'),
  'kube-scheduler': kubernetes('kube-scheduler', '1-3'),
  kwok: { module: 'sigs.k8s.io/kwok', version: 'v0.8.0', pkg: 'sigs.k8s.io/kwok/cmd/kwok', minutes: '2-4' },
} satisfies Record<string, Tool>;
export type ToolName = keyof typeof TOOLS;

const BUILD_TIMEOUT_MS = 60 * 60_000;
const REPORT_EVERY_MS = 30_000;
const GO_REMEDY =
  'Install Go 1.24+ (https://go.dev/dl, or /usr/local/go/bin/go), or point SHOP_K8S_TOOLS at a directory holding the built binaries.';

export function progress(message: string): void {
  process.stderr.write(`[k8s] ${message}\n`);
}

/** `SHOP_K8S_TOOLS` when set, else `~/.cache/shop-k8s`. */
export function toolsDir(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env['SHOP_K8S_TOOLS'];
  if (configured !== undefined && configured !== '') return configured;
  return join(env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'shop-k8s');
}

export const toolPath = (name: ToolName): string => join(toolsDir(), `${name}-${TOOLS[name].version}`);

/** The tool's binary, built once from the Go module proxy (or waited for while another process builds it). */
export async function ensureTool(name: ToolName): Promise<string> {
  const binary = toolPath(name);
  const started = Date.now();
  let nextReport = started;
  for (;;) {
    if (isExecutable(binary)) return binary;
    if (await takeBuildLock(binary, 'SHOP_K8S_BUILD_LOG')) {
      try {
        if (isExecutable(binary)) return binary;
        await build(name, binary);
        return binary;
      } finally {
        await rm(buildLockOf(binary), { recursive: true, force: true });
      }
    }
    const owner = await readBuildLockOwner(binary);
    if (owner !== undefined && !isProcessAlive(owner.pid)) {
      progress(`a build of ${name} (pid ${owner.pid}) died without finishing; building it here instead.`);
      await rm(buildLockOf(binary), { recursive: true, force: true });
      continue;
    }
    if (Date.now() >= nextReport) {
      nextReport = Date.now() + REPORT_EVERY_MS;
      progress(
        `waiting for ${name} ${TOOLS[name].version} to be built by another process (pid ${owner?.pid ?? '?'}, ` +
          `${Math.round((Date.now() - started) / 1000)}s so far; its log: ${owner?.log ?? 'unknown'}) ...`,
      );
    }
    if (Date.now() - started > BUILD_TIMEOUT_MS) {
      throw new Error(
        `[k8s] ${name} was not built within ${BUILD_TIMEOUT_MS / 60_000} min by pid ${owner?.pid}. ` +
          `Read its log (${owner?.log ?? 'unknown'}), stop it and delete ${buildLockOf(binary)} to build again.`,
      );
    }
    await sleep(1_000);
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function findGo(): string {
  const candidates = [
    ...(process.env['PATH'] ?? '')
      .split(':')
      .filter(Boolean)
      .map((dir) => join(dir, 'go')),
    '/usr/local/go/bin/go',
  ];
  const go = candidates.find(isExecutable);
  if (go === undefined)
    throw new Error(`[k8s] Building the Kubernetes tools needs Go, which was not found. ${GO_REMEDY}`);
  return go;
}

/** A throwaway module requiring the tool (plus its replace lines), then `go build -v` into a partial file. */
async function build(name: ToolName, binary: string): Promise<void> {
  const tool: Tool = TOOLS[name];
  const go = findGo();
  const module = await mkdtemp(join(tmpdir(), `shop-k8s-${name}-`));
  const partial = `${binary}.partial-${process.pid}`;
  const started = Date.now();
  progress(
    `building ${name} ${tool.version} from the Go module proxy into ${binary} (once; ~${tool.minutes} min on 2 cores) ...`,
  );
  try {
    await writeFile(
      join(module, 'go.mod'),
      ['module shop.local/k8s-tool', '', 'go 1.24.0', '', ...(tool.goMod ?? []), ''].join('\n'),
    );
    await runGo(go, ['get', `${tool.pkg}@${tool.version}`], module, started);
    await runGo(go, ['build', '-v', '-o', partial, tool.pkg], module, started);
    await rename(partial, binary);
  } finally {
    await rm(partial, { force: true });
    await rm(module, { recursive: true, force: true });
  }
  progress(`${name} ${tool.version} built in ${Math.round((Date.now() - started) / 1000)}s: ${binary}`);
}

function runGo(go: string, args: string[], cwd: string, buildStarted: number): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(go, args, {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, GOFLAGS: '-mod=mod' },
    });
    const tail: string[] = [];
    let lines = 0;
    let lastReport = Date.now();
    const collect = (line: string): void => {
      lines += 1;
      tail.push(line);
      if (tail.length > 30) tail.shift();
      if (Date.now() - lastReport > 10_000) {
        lastReport = Date.now();
        progress(
          `  go ${args[0]}: ${Math.round((Date.now() - buildStarted) / 1000)}s, ${lines} packages so far (last: ${line.trim()})`,
        );
      }
    };
    createInterface({ input: child.stdout }).on('line', collect);
    createInterface({ input: child.stderr }).on('line', collect);
    const timer = setTimeout(() => child.kill('SIGTERM'), BUILD_TIMEOUT_MS);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`[k8s] Could not run ${go} (${error.message}). ${GO_REMEDY}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolvePromise();
      reject(
        new Error(
          `[k8s] \`go ${args.join(' ')}\` failed (${code ?? signal}). Last output:\n${tail.join('\n')}\n` +
            'Check access to https://proxy.golang.org (GOPROXY) and the Go version, then retry.',
        ),
      );
    });
  });
}

/** The module directory of a pinned Go module (the CRDs and the OpenAPI document come from these). */
export async function goModuleDir(module: string, version: string): Promise<string> {
  const go = findGo();
  const output = await new Promise<string>((resolvePromise, reject) => {
    const child = spawn(go, ['mod', 'download', '-json', `${module}@${version}`], {
      cwd: tmpdir(),
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, GOFLAGS: '-mod=mod', GO111MODULE: 'on' },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('error', (error) =>
      reject(new Error(`[k8s] Could not run ${go} (${error.message}). ${GO_REMEDY}`)),
    );
    child.once('exit', (code) =>
      code === 0
        ? resolvePromise(out)
        : reject(
            new Error(
              `[k8s] \`go mod download ${module}@${version}\` failed: ${out}${err}\nCheck access to the Go module proxy (GOPROXY), then retry.`,
            ),
          ),
    );
  });
  const info = JSON.parse(output) as { Dir?: string; Error?: string };
  if (info.Dir === undefined)
    throw new Error(`[k8s] go mod download ${module}@${version}: ${info.Error ?? output}`);
  return info.Dir;
}

// `node k8s/src/tools.ts [name ...]`: builds the named tools (all when none), in this order.
if (import.meta.main) {
  const names = (process.argv.slice(2).length > 0 ? process.argv.slice(2) : Object.keys(TOOLS)) as ToolName[];
  try {
    for (const name of names) {
      if (!(name in TOOLS))
        throw new Error(`[k8s] unknown tool ${name}; one of ${Object.keys(TOOLS).join(', ')}.`);
      process.stdout.write(`${await ensureTool(name)}\n`);
    }
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
