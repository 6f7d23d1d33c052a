/**
 * What every optimizer engine shares, whatever holds its numbers (TF.js variables in optimizers.ts,
 * Float32Arrays in array-optimizer.ts): the configuration, step counting with per-parameter bias
 * correction, the per-step scalars, and the saved state (optimizer.bin), so a checkpoint written by one
 * engine resumes on the other.
 */
export type OptimizerKind = 'adamw' | 'adam' | 'sgd';

export interface OptimizerConfig {
  kind: OptimizerKind;
  weightDecay: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  momentum: number;
}

/** The optimizer's state as named tensors plus a step counter: what optimizer.bin holds. */
export interface OptimizerState {
  kind: OptimizerKind;
  step: number;
  /**
   * Updates each parameter has had, where that differs from `step`: backbone layers unfrozen at a later
   * epoch start their Adam bias correction at 1, as a parameter group added then does in PyTorch.
   */
  paramSteps?: Record<string, number>;
  slots: { name: string; shape: number[]; data: Float32Array }[];
}

/** The per-parameter state each kind keeps: Adam's two moments, SGD's momentum buffer (if any). */
export function slotNames(config: OptimizerConfig): string[] {
  if (config.kind === 'sgd') return config.momentum > 0 ? ['momentum'] : [];
  return ['m', 'v'];
}

/** The scalars of one parameter's update: its learning rate and weight decay, and Adam's bias corrections. */
export interface StepScalars {
  lr: number;
  wd: number;
  biasCorrection1: number;
  sqrtBiasCorrection2: number;
}

export abstract class OptimizerCore<Slot> {
  readonly config: OptimizerConfig;
  /** `<param>/<slot>` → that slot's storage. */
  protected readonly slots = new Map<string, Slot>();
  private steps = 0;
  private readonly paramSteps = new Map<string, number>();

  protected constructor(
    config: OptimizerConfig,
    private readonly paramNames: string[],
  ) {
    this.config = config;
  }

  get step(): number {
    return this.steps;
  }

  protected countStep(): void {
    this.steps++;
  }

  /** Counts one more update of `name` and returns the scalars of that update. */
  protected stepScalars(name: string, baseLr: number, lrScale: number | undefined, decay: boolean): StepScalars {
    const t = (this.paramSteps.get(name) ?? 0) + 1;
    this.paramSteps.set(name, t);
    const { beta1, beta2, weightDecay } = this.config;
    return { lr: baseLr * (lrScale ?? 1), wd: decay ? weightDecay : 0, biasCorrection1: 1 - beta1 ** t, sqrtBiasCorrection2: Math.sqrt(1 - beta2 ** t) };
  }

  /** A copy of the slot's values (the export must not change with later steps). */
  protected abstract readSlot(slot: Slot): Promise<Float32Array> | Float32Array;
  protected abstract writeSlot(slot: Slot, data: Float32Array): void;
  protected abstract slotSize(slot: Slot): number;
  protected abstract slotShape(slot: Slot): number[];

  async exportState(): Promise<OptimizerState> {
    const slots = [];
    for (const [name, slot] of this.slots) slots.push({ name, shape: this.slotShape(slot), data: await this.readSlot(slot) });
    // A parameter not updated yet (a backbone layer before --unfreeze-at-epoch) has had 0 updates, not `step`.
    const paramSteps = Object.fromEntries(this.paramNames.map((name) => [name, this.paramSteps.get(name) ?? 0] as const).filter(([, steps]) => steps !== this.steps));
    return { kind: this.config.kind, step: this.steps, ...(Object.keys(paramSteps).length > 0 ? { paramSteps } : {}), slots };
  }

  /**
   * Restores a state exported from an optimizer of the same kind over the same parameters (either
   * engine), or, given `params`, over those of ours alone: an engine that trained the head without the
   * backbone layers hands back the head's state, and the layers keep theirs.
   */
  importState(state: OptimizerState, params: readonly string[] = this.paramNames): void {
    if (state.kind !== this.config.kind) throw new Error(`optimizer state is for '${state.kind}', not '${this.config.kind}'`);
    const covered = new Set(params);
    const byName = new Map(state.slots.map((s) => [s.name, s]));
    for (const [name, slot] of this.slots) {
      // Slot names are `<param>/<slot>`; parameter names may hold slashes themselves.
      if (!covered.has(name.slice(0, name.lastIndexOf('/')))) continue;
      const saved = byName.get(name);
      if (!saved) throw new Error(`optimizer state has no slot '${name}'`);
      if (saved.data.length !== this.slotSize(slot)) throw new Error(`optimizer slot '${name}' has ${saved.data.length} values, expected ${this.slotSize(slot)}`);
      this.writeSlot(slot, saved.data);
    }
    this.steps = state.step;
    for (const name of params) this.paramSteps.set(name, state.paramSteps?.[name] ?? state.step);
  }
}
