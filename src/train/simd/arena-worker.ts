import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { kernelModule, outerModule, type SimdArena } from './simd-arena.ts';

/** A kernel call for the worker: the kernel and its arguments, from SimdArena's *Args methods. */
export type ArenaJob = { kernel: 'sumSquares'; args: number[] } | { kernel: 'adam'; args: number[] } | { kernel: 'adamOuter'; rank: number; args: number[] };

const KERNEL_CODES = { sumSquares: 0, adam: 1, adamOuter: 2 } as const;
/** Float64s a job takes in the job table: kernel code, rank, up to 16 arguments, the result. */
const JOB_SLOTS = 20;
const RESULT = JOB_SLOTS - 1;
/** The control words (Int32Array): a generation the worker waits on, the job count, jobs done, stop, failed. */
const [GENERATION, COUNT, DONE, STOP, FAILED] = [0, 1, 2, 3, 4];
/** DONE once the worker has failed: more than any list. */
const ALL_DONE = 2 ** 31 - 1;
/** How long a caller waits for the worker before giving up on it (a worker that died would otherwise hang the step). */
const WAIT_LIMIT_MS = 60_000;

/**
 * The worker's code (plain JavaScript, evaluated: it needs no TypeScript loader, under tsx, vitest or the
 * built package alike). It instantiates the kernels on the shared memory, then runs each generation's
 * jobs in order, publishing how many are done after each (so the caller can use a job's arrays as soon as
 * its job is done), and sleeps in Atomics.wait between generations. adamOuter's modules, one a rank,
 * arrive on `port` before the first job that needs them.
 */
const WORKER_SOURCE = `
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const { memory, module, port, control, jobs } = workerData;
function fail(error) {
  console.error('transferkit optimizer worker:', error);
  Atomics.store(control, ${FAILED}, 1);
  Atomics.store(control, ${DONE}, ${ALL_DONE});
  Atomics.notify(control, ${DONE});
}
const instantiate = (m) => new WebAssembly.Instance(m, { env: { memory } }).exports;
const outer = new Map();
function outerKernel(rank) {
  while (!outer.has(rank)) {
    const message = receiveMessageOnPort(port);
    if (!message) throw new Error('no adamOuter module for rank ' + rank);
    outer.set(message.message.rank, instantiate(message.message.module).adamOuter);
  }
  return outer.get(rank);
}
try {
  const kernels = instantiate(module);
  let seen = 0;
  for (;;) {
    Atomics.wait(control, ${GENERATION}, seen);
    seen = Atomics.load(control, ${GENERATION});
    if (Atomics.load(control, ${STOP})) break;
    const count = control[${COUNT}];
    for (let j = 0; j < count; j++) {
      const at = j * ${JOB_SLOTS};
      const args = Array.from(jobs.subarray(at + 2, at + ${RESULT}));
      const code = jobs[at];
      if (code === ${KERNEL_CODES.sumSquares}) jobs[at + ${RESULT}] = kernels.sumSquares(...args);
      else if (code === ${KERNEL_CODES.adam}) kernels.adam(...args);
      else outerKernel(jobs[at + 1])(...args);
      Atomics.store(control, ${DONE}, j + 1);
      Atomics.notify(control, ${DONE});
    }
  }
} catch (error) {
  fail(error);
}
`;

/**
 * A worker thread that runs SimdArena kernels on a shared arena while the caller's thread runs others:
 * run() hands it a list of jobs and returns at once; waitFor(n) blocks (Atomics.wait) until its first n
 * jobs are done. One list at a time. The worker is unref'd (it never keeps the process alive); close()
 * ends it.
 */
export class ArenaWorker {
  private readonly sentRanks = new Set<number>();
  private count = 0;
  private closed = false;

  private constructor(
    private readonly worker: Worker,
    private readonly control: Int32Array,
    private readonly jobs: Float64Array,
    /** Where adamOuter's modules go to the worker. */
    private readonly port: MessagePort,
  ) {}

  /** A worker on `arena` (made with { shared: true }) for lists of at most `maxJobs` jobs. */
  static start(arena: SimdArena, maxJobs: number): ArenaWorker {
    if (!arena.shared) throw new Error('arena worker: the arena is not shared');
    const jobs = new Float64Array(new SharedArrayBuffer(Math.max(1, maxJobs) * JOB_SLOTS * 8));
    const { port1, port2 } = new MessageChannel();
    const control = new Int32Array(new SharedArrayBuffer(5 * 4));
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { memory: arena.wasmMemory, module: kernelModule(true), port: port2, control, jobs }, transferList: [port2] });
    worker.unref();
    port1.unref();
    // A worker that dies outside its try (out of memory, say) fails the caller's next step instead of the process.
    worker.on('error', (error) => {
      console.error('transferkit optimizer worker:', error);
      Atomics.store(control, FAILED, 1);
      Atomics.store(control, DONE, ALL_DONE);
    });
    return new ArenaWorker(worker, control, jobs, port1);
  }

  /** Starts the worker on `list` (the previous list must be done). */
  run(list: ArenaJob[]): void {
    if (this.closed) throw new Error('arena worker: closed');
    if (Atomics.load(this.control, FAILED)) throw new Error('arena worker: it failed (the error is on stderr)');
    if (list.length * JOB_SLOTS > this.jobs.length) throw new Error(`arena worker: ${list.length} jobs, room for ${this.jobs.length / JOB_SLOTS}`);
    if (Atomics.load(this.control, DONE) < this.count) throw new Error('arena worker: the previous jobs are still running');
    list.forEach((job, j) => {
      const at = j * JOB_SLOTS;
      if (job.args.length > RESULT - 2) throw new Error(`arena worker: ${job.args.length} arguments`);
      this.jobs[at] = KERNEL_CODES[job.kernel];
      if (job.kernel === 'adamOuter') {
        this.jobs[at + 1] = job.rank;
        if (!this.sentRanks.has(job.rank)) {
          this.port.postMessage({ rank: job.rank, module: outerModule(job.rank, true) });
          this.sentRanks.add(job.rank);
        }
      }
      this.jobs.set(job.args, at + 2);
    });
    this.count = list.length;
    Atomics.store(this.control, DONE, 0);
    Atomics.store(this.control, COUNT, list.length);
    Atomics.add(this.control, GENERATION, 1);
    Atomics.notify(this.control, GENERATION);
  }

  /** How many jobs of the list are done (without waiting). */
  done(): number {
    return Atomics.load(this.control, DONE);
  }

  /** Blocks until the first `count` jobs of the list are done. */
  waitFor(count: number): void {
    const started = Date.now();
    for (let done = Atomics.load(this.control, DONE); done < count; done = Atomics.load(this.control, DONE)) {
      if (Date.now() - started > WAIT_LIMIT_MS) throw new Error(`arena worker: no progress in ${WAIT_LIMIT_MS / 1000} s (${done} of ${count} jobs done)`);
      Atomics.wait(this.control, DONE, done, 1000);
    }
    if (Atomics.load(this.control, FAILED)) throw new Error('arena worker: it failed (the error is on stderr)');
  }

  /** What job `index` of the list returned (sumSquares: Σ x²), once done. */
  result(index: number): number {
    return this.jobs[index * JOB_SLOTS + RESULT]!;
  }

  /** Ends the worker (after its current list). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.control, STOP, 1);
    Atomics.add(this.control, GENERATION, 1);
    Atomics.notify(this.control, GENERATION);
    this.port.close();
    await this.worker.terminate();
  }
}
