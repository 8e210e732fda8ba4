// The pinned Kubernetes tools the tests run, built from the Go module proxy on first use and cached under
// ~/.cache/shop-k8s (outside the repository, so every worktree and CI step shares one build). One build at a
// time across processes, waited for with progress (libs/testing/src/go-build.ts, as for Jaeger). `node k8s/src/tools.ts [name...]` builds them (CI
// starts that in the background early: the API server is ~10 minutes cold on 2 cores).
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureGoBinary, findGo, type GoBuildReporter } from '@shop/testing';

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

const REPORTER: GoBuildReporter = {
  tag: 'k8s',
  progress,
  remedy:
    'Install Go 1.24+ (https://go.dev/dl, or /usr/local/go/bin/go), or point SHOP_K8S_TOOLS at a directory holding the built binaries.',
};

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

/**
 * The tool's binary, built once from the Go module proxy (or waited for while another process builds it): a
 * throwaway module requiring the tool, plus its replace lines, then `go build -v`.
 */
export function ensureTool(name: ToolName): Promise<string> {
  const tool: Tool = TOOLS[name];
  return ensureGoBinary(
    {
      binary: toolPath(name),
      label: `${name} ${tool.version}`,
      minutes: tool.minutes,
      logVariable: 'SHOP_K8S_BUILD_LOG',
      build: async ({ module, output, go }) => {
        await writeFile(
          join(module, 'go.mod'),
          ['module shop.local/k8s-tool', '', 'go 1.24.0', '', ...(tool.goMod ?? []), ''].join('\n'),
        );
        await go(['get', `${tool.pkg}@${tool.version}`]);
        await go(['build', '-v', '-o', output, tool.pkg]);
      },
    },
    REPORTER,
  );
}

/** The module directory of a pinned Go module (the CRDs and the OpenAPI document come from these). */
export async function goModuleDir(module: string, version: string): Promise<string> {
  const go = findGo(REPORTER);
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
      reject(new Error(`[k8s] Could not run ${go} (${error.message}). ${REPORTER.remedy}`)),
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
