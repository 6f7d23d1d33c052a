import { describe, expect, it } from 'vitest';
import { validate as validateJob } from 'kubernetes-models/_schemas/IoK8sApiBatchV1Job';
import { runCli } from '../helpers/cli-run.ts';
import { scratchFolder } from '../helpers/tiny-model.ts';

const BASE = ['plan-job', '--shards', '4', '--parallelism', '2', '--image', 'registry.example.com/transferkit:0.1.0', '--cache-claim', 'transferkit-cache', '--model', 'bert-base-cased', '--data', 'glue/mnli:train'];

describe('transferkit plan-job', () => {
  const scratch = scratchFolder('transferkit-plan-job-');

  it('prints an Indexed Job that validates against the Kubernetes schema and runs one extract shard per pod over the claim', async () => {
    const { code, stdout, stderr } = await runCli(scratch.dir, [...BASE, '--', '--max-length', '128']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const job = JSON.parse(stdout);
    // The raw printed JSON, checked by the schema's own validator (not through our typed object).
    expect(validateJob(job), JSON.stringify((validateJob as unknown as { errors: unknown }).errors)).toBe(true);
    expect(job).toMatchObject({ apiVersion: 'batch/v1', kind: 'Job', spec: { completionMode: 'Indexed', completions: 4, parallelism: 2, backoffLimitPerIndex: 3 } });
    const pod = job.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    const [worker] = pod.containers;
    expect(worker.image).toBe('registry.example.com/transferkit:0.1.0');
    expect([...worker.command, ...worker.args]).toEqual(['transferkit', 'extract', '--model', 'bert-base-cased', '--data', 'glue/mnli:train', '--shard', 'auto', '--shards', '4', '--max-length', '128']);
    // TRANSFERKIT_CACHE lies on the mounted claim.
    const cache = worker.env.find((e: { name: string }) => e.name === 'TRANSFERKIT_CACHE').value;
    const mount = worker.volumeMounts.find((m: { name: string }) => m.name === pod.volumes[0].name);
    expect(pod.volumes[0].persistentVolumeClaim).toEqual({ claimName: 'transferkit-cache' });
    expect(cache.startsWith(`${mount.mountPath}/`)).toBe(true);
    expect(worker.resources.requests).toEqual({ cpu: '2', memory: '4Gi' });
    expect(JSON.stringify(worker.resources)).not.toContain('nvidia.com/gpu');
  });

  it('--gpu asks for one nvidia.com/gpu per pod and runs the backbone on cuda', async () => {
    const { code, stdout } = await runCli(scratch.dir, [...BASE, '--gpu']);
    expect(code).toBe(0);
    const job = JSON.parse(stdout);
    expect(validateJob(job)).toBe(true);
    const [worker] = job.spec.template.spec.containers;
    expect(worker.resources.limits['nvidia.com/gpu']).toBe('1');
    expect(worker.args.slice(-2)).toEqual(['--device', 'cuda']);
  });

  it('a value the schema refuses is one line naming the flag, and nothing is printed', async () => {
    const { code, stdout, stderr } = await runCli(scratch.dir, [...BASE, '--memory', '4 gigs']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe('error: --memory: spec.template.spec.containers.0.resources.limits.memory must match format "quantity" (Kubernetes schema)\n');
  });
});
