// `kustomize build` of an overlay, parsed: what the tests validate, apply and hold to the checklist.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { K8S_ROOT } from './generate.ts';
import { ensureTool } from './tools.ts';

export const OVERLAYS = ['kind', 'eks'] as const;
export type Overlay = (typeof OVERLAYS)[number];

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [key: string]: unknown;
}

export const idOf = (o: K8sObject): string =>
  `${o.kind} ${o.metadata.namespace === undefined ? '' : `${o.metadata.namespace}/`}${o.metadata.name}`;

/** The overlay's YAML as `kustomize build` prints it. */
export async function renderYaml(overlay: string): Promise<string> {
  const kustomize = await ensureTool('kustomize');
  const dir = join(K8S_ROOT, 'overlays', overlay);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(kustomize, ['build', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0
        ? resolvePromise(out)
        : reject(
            new Error(
              `[k8s] kustomize build ${dir} failed (${code}):\n${err}\nFix the kustomization it names.`,
            ),
          ),
    );
  });
}

export function parseObjects(yaml: string): K8sObject[] {
  return parseAllDocuments(yaml)
    .map((doc) => {
      if (doc.errors.length > 0)
        throw new Error(`[k8s] rendered YAML does not parse: ${doc.errors[0]?.message}`);
      return doc.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null);
}

export async function render(overlay: string): Promise<K8sObject[]> {
  return parseObjects(await renderYaml(overlay));
}
