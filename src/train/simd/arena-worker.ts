import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { kernelModule, outerModule, type ArenaJob, type SimdArena } from './simd-arena.ts';

const KERNEL_CODES = { sumSquares: 0, adam: 1, adamOuter: 2 } as const;
/** Float64s a job takes in the job table: kernel code, rank, up to 16 arguments, the result. */
const JOB_SLOTS = 20;
const RESULT = JOB_SLOTS - 1;
/**
 * The control words (Int32Array): a generation the worker waits on, the list's job count, the next job
 * to claim, jobs finished, stop, failed. Then one word a job: 1 once it is finished.
 */
const [GENERATION, COUNT, NEXT, DONE, STOP, FAILED, FINISHED] = [0, 1, 2, 3, 4, 5, 6];
/** DONE once the worker has failed: more than any list. */
const ALL_DONE = 2 ** 31 - 1;
/** How long a caller waits for the worker before giving up on it (a worker that died would otherwise hang the step). */
const WAIT_LIMIT_MS = 60_000;

/**
 * The protocol both threads run, as source text that each evaluates (the worker's code is text, and a
 * TypeScript function's toString() would carry whatever a compiler or coverage tool made of it):
 *   - claim(control): the index of the next job of the list, or -1 when none is left. A compare-exchange,
 *     not an add, so that a claim never runs past COUNT (a thread late from the previous list claims
 *     nothing, or a job of the new list once its table is written);
 *   - finish(control, j): job j is done (its arrays are the caller's again).
 */
const PROTOCOL_SOURCE = `
function claim(control) {
  for (;;) {
    const next = Atomics.load(control, ${NEXT});
    if (next >= Atomics.load(control, ${COUNT})) return -1;
    if (Atomics.compareExchange(control, ${NEXT}, next, next + 1) === next) return next;
  }
}
function finish(control, j) {
  Atomics.store(control, ${FINISHED} + j, 1);
  Atomics.add(control, ${DONE}, 1);
  Atomics.notify(control, ${DONE});
}
`;
const { claim, finish } = new Function(`${PROTOCOL_SOURCE}; return { claim, finish };`)() as {
  claim: (control: Int32Array) => number;
  finish: (control: Int32Array, j: number) => void;
};

/**
 * The worker's code (plain JavaScript, evaluated: it needs no TypeScript loader, under tsx, vitest or the
 * built package alike). It instantiates the kernels on the shared memory, then on each new generation
 * claims and runs the list's jobs until none is left, and sleeps in Atomics.wait between generations.
 * adamOuter's modules, one a rank, arrive on `port` before the first list that needs them.
 */
const WORKER_SOURCE = `
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const { memory, module, port, control, jobs } = workerData;
${PROTOCOL_SOURCE}
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
    for (let j = claim(control); j >= 0; j = claim(control)) {
      const at = j * ${JOB_SLOTS};
      const args = Array.from(jobs.subarray(at + 2, at + ${RESULT}));
      const code = jobs[at];
      if (code === ${KERNEL_CODES.sumSquares}) jobs[at + ${RESULT}] = kernels.sumSquares(...args);
      else if (code === ${KERNEL_CODES.adam}) kernels.adam(...args);
      else outerKernel(jobs[at + 1])(...args);
      finish(control, j);
    }
  }
} catch (error) {
  console.error('transferkit optimizer worker:', error);
  Atomics.store(control, ${FAILED}, 1);
  Atomics.store(control, ${DONE}, ${ALL_DONE});
  Atomics.notify(control, ${DONE});
}
`;

/**
 * A worker thread that runs SimdArena kernels on a shared arena while the caller's thread runs others.
 * run() hands it a list of jobs and returns at once; the caller then does its own work and may take the
 * list's jobs the worker has not started (help(): on a machine whose other work holds the second core,
 * the caller ends up running the list itself, instead of waiting for a worker that gets no core);
 * finished(j) says whether job j is done, waitAll() blocks (Atomics.wait) until all are. One list at a
 * time. The worker is unref'd (it never keeps the process alive); close() ends it.
 */
export class ArenaWorker {
  private readonly sentRanks = new Set<number>();
  private list: ArenaJob[] = [];
  private closed = false;

  private constructor(
    private readonly worker: Worker,
    private readonly arena: SimdArena,
    private readonly control: Int32Array,
    private readonly jobs: Float64Array,
    /** Where adamOuter's modules go to the worker. */
    private readonly port: MessagePort,
  ) {}

  /** A worker on `arena` (made with { shared: true }) for lists of at most `maxJobs` jobs. */
  static start(arena: SimdArena, maxJobs: number): ArenaWorker {
    if (!arena.shared) throw new Error('arena worker: the arena is not shared');
    const slots = Math.max(1, maxJobs);
    const jobs = new Float64Array(new SharedArrayBuffer(slots * JOB_SLOTS * 8));
    const control = new Int32Array(new SharedArrayBuffer((FINISHED + slots) * 4));
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { memory: arena.wasmMemory, module: kernelModule(true), port: port2, control, jobs }, transferList: [port2] });
    worker.unref();
    port1.unref();
    // A worker that dies outside its try (out of memory, say) fails the caller's next step instead of the process.
    worker.on('error', (error) => {
      console.error('transferkit optimizer worker:', error);
      Atomics.store(control, FAILED, 1);
      Atomics.store(control, DONE, ALL_DONE);
    });
    return new ArenaWorker(worker, arena, control, jobs, port1);
  }

  /** Starts the worker on `list` (the previous list must be done). */
  run(list: ArenaJob[]): void {
    if (this.closed) throw new Error('arena worker: closed');
    this.throwIfFailed();
    if (list.length * JOB_SLOTS > this.jobs.length) throw new Error(`arena worker: ${list.length} jobs, room for ${this.jobs.length / JOB_SLOTS}`);
    if (Atomics.load(this.control, DONE) < this.list.length) throw new Error('arena worker: the previous jobs are still running');
    // No job can be claimed while the table is rewritten; the count goes up last.
    Atomics.store(this.control, COUNT, 0);
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
      Atomics.store(this.control, FINISHED + j, 0);
    });
    this.list = list;
    Atomics.store(this.control, DONE, 0);
    Atomics.store(this.control, NEXT, 0);
    Atomics.store(this.control, COUNT, list.length);
    Atomics.add(this.control, GENERATION, 1);
    Atomics.notify(this.control, GENERATION);
  }

  /** Runs one job of the list the worker has not started, on this thread: false when none is left. */
  help(): boolean {
    const j = claim(this.control);
    if (j < 0) return false;
    this.jobs[j * JOB_SLOTS + RESULT] = this.arena.call(this.list[j]!);
    finish(this.control, j);
    return true;
  }

  /** Whether job j of the list is done (by either thread). */
  finished(j: number): boolean {
    return Atomics.load(this.control, FINISHED + j) === 1;
  }

  /** Blocks until every job of the list is done. */
  waitAll(): void {
    const started = Date.now();
    const count = this.list.length;
    for (let done = Atomics.load(this.control, DONE); done < count; done = Atomics.load(this.control, DONE)) {
      if (Date.now() - started > WAIT_LIMIT_MS) throw new Error(`arena worker: no progress in ${WAIT_LIMIT_MS / 1000} s (${done} of ${count} jobs done)`);
      Atomics.wait(this.control, DONE, done, 1000);
    }
    this.throwIfFailed();
  }

  /** What job j of the list returned (sumSquares: Σ x²), once done. */
  result(j: number): number {
    return this.jobs[j * JOB_SLOTS + RESULT]!;
  }

  /** Ends the worker (after its current job). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.control, STOP, 1);
    Atomics.add(this.control, GENERATION, 1);
    Atomics.notify(this.control, GENERATION);
    this.port.close();
    await this.worker.terminate();
  }

  private throwIfFailed(): void {
    if (Atomics.load(this.control, FAILED)) throw new Error('arena worker: it failed (the error is on stderr)');
  }
}
