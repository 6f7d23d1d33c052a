import { Job } from 'kubernetes-models/batch/v1/Job';
import { usageError } from '../errors.ts';

/** Where the shared cache claim is mounted in each worker pod; TRANSFERKIT_CACHE points below it. */
export const CACHE_MOUNT = '/cache';
export const WORKER_CACHE_DIR = `${CACHE_MOUNT}/transferkit`;

export interface JobPlan {
  /** Completions: one pod per shard, each with JOB_COMPLETION_INDEX 0..shards-1. */
  shards: number;
  /** Pods running at once. */
  parallelism: number;
  image: string;
  /** The PersistentVolumeClaim (ReadWriteMany for pods on several nodes) that holds the shared cache. */
  cacheClaim: string;
  model: string;
  data: string;
  gpu: boolean;
  name: string;
  /** Retries of one shard before the Job gives that index up (the others go on). */
  retriesPerShard: number;
  cpu: string;
  memory: string;
  /** More `transferkit extract` flags (--pooling, --max-length ...): they must match the later finetune's. */
  extraArgs: string[];
}

/** The `transferkit extract` command line each worker pod runs. */
export function workerArgs(plan: Pick<JobPlan, 'model' | 'data' | 'shards' | 'gpu' | 'extraArgs'>): string[] {
  return ['extract', '--model', plan.model, '--data', plan.data, '--shard', 'auto', '--shards', String(plan.shards), ...(plan.gpu ? ['--device', 'cuda'] : []), ...plan.extraArgs];
}

/**
 * A Kubernetes Indexed Job that runs one `transferkit extract --shard auto` pod per shard over a shared
 * cache claim, built as a typed kubernetes-models object and checked against the Kubernetes OpenAPI
 * schema (a bad --cpu, --memory or --name is refused here, not by the cluster later).
 */
export function buildExtractJob(plan: JobPlan): Job {
  const labels = { 'app.kubernetes.io/name': 'transferkit', 'app.kubernetes.io/component': 'extract' };
  const resources = { cpu: plan.cpu, memory: plan.memory };
  const job = new Job({
    metadata: { name: plan.name, labels },
    spec: {
      completionMode: 'Indexed',
      completions: plan.shards,
      parallelism: plan.parallelism,
      // Per index: a shard that keeps failing is given up alone, and a killed worker's shard is retried.
      backoffLimitPerIndex: plan.retriesPerShard,
      template: {
        metadata: { labels },
        spec: {
          // backoffLimitPerIndex needs Never: a failed pod is replaced by a new one, which re-runs the shard.
          restartPolicy: 'Never',
          // The image runs as uid 1000 (Dockerfile); fsGroup lets it write the claim's volume.
          securityContext: { runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 },
          containers: [
            {
              name: 'extract',
              image: plan.image,
              command: ['transferkit'],
              args: workerArgs(plan),
              env: [
                { name: 'TRANSFERKIT_CACHE', value: WORKER_CACHE_DIR },
                // Plain log lines: no terminal in a pod.
                { name: 'CI', value: 'true' },
                { name: 'NO_COLOR', value: '1' },
              ],
              resources: {
                requests: { ...resources, ...(plan.gpu ? { 'nvidia.com/gpu': '1' } : {}) },
                limits: { memory: plan.memory, ...(plan.gpu ? { 'nvidia.com/gpu': '1' } : {}) },
              },
              volumeMounts: [{ name: 'cache', mountPath: CACHE_MOUNT }],
            },
          ],
          volumes: [{ name: 'cache', persistentVolumeClaim: { claimName: plan.cacheClaim } }],
        },
      },
    },
  });
  try {
    job.validate();
  } catch (error) {
    throw schemaError(error);
  }
  checkNames(plan);
  return job;
}

/** What the OpenAPI schema does not say: Kubernetes' own rules for these names. */
function checkNames(plan: JobPlan): void {
  // A Job name becomes a pod label value (≤ 63) with a suffix for the index and a random part.
  if (!/^[a-z0-9]([-a-z0-9]{0,50}[a-z0-9])?$/.test(plan.name)) {
    throw usageError(`'${plan.name}' is not a Job name: lowercase letters, digits and '-', at most 52 characters, starting and ending alphanumeric`, '--name');
  }
  if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(plan.cacheClaim)) {
    throw usageError(`'${plan.cacheClaim}' is not a PersistentVolumeClaim name (lowercase letters, digits, '-' and '.')`, '--cache-claim');
  }
}

/** The schema's most telling complaint (a format over the oneOf around it), naming the flag that set the field. */
function schemaError(error: unknown): Error {
  const errors = (error as { errors?: { instancePath: string; keyword: string; message?: string }[] }).errors ?? [];
  const first = errors.find((e) => e.keyword === 'format') ?? errors[0];
  if (!first) return usageError(`the Job manifest does not validate against the Kubernetes schema: ${(error as Error).message}`);
  const field = first.instancePath.split('/').pop() ?? '';
  const flag = ({ cpu: '--cpu', memory: '--memory', image: '--image' } as Record<string, string>)[field];
  return usageError(`${first.instancePath.replace(/^\//, '').replaceAll('/', '.')} ${first.message ?? 'is not valid'} (Kubernetes schema)`, flag);
}
