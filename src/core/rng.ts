/**
 * The one seeded generator of a run (xoshiro128**). Its whole state is four uint32s, so it can be
 * written into a checkpoint and restored exactly. No Math.random() anywhere in training.
 */
export class Rng {
  private s: Uint32Array;

  constructor(seed: number | readonly number[]) {
    this.s = new Uint32Array(4);
    if (typeof seed === 'number') {
      // splitmix32 spreads a small integer seed over the whole state.
      let x = seed >>> 0;
      for (let i = 0; i < 4; i++) {
        x = (x + 0x9e3779b9) >>> 0;
        let z = x;
        z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
        z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
        this.s[i] = (z ^ (z >>> 16)) >>> 0;
      }
    } else {
      if (seed.length !== 4) throw new Error('Rng state must be four uint32 values');
      this.s.set(seed);
    }
    if (this.s.every((v) => v === 0)) this.s[0] = 1;
  }

  /** A copy of the state, for checkpoints. */
  get state(): number[] {
    return Array.from(this.s);
  }

  /** Next uint32. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A fresh permutation of 0..n-1 (Fisher-Yates). */
  permutation(n: number): Int32Array {
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = order[i];
      order[i] = order[j];
      order[j] = tmp;
    }
    return order;
  }

  /**
   * An independent stream for one purpose (an epoch's shuffle, a step's dropout), derived from this
   * generator's current state and the labels without advancing it, so resuming at any step replays
   * exactly the same numbers.
   */
  derive(...labels: (string | number)[]): Rng {
    let h = 0x811c9dc5;
    const mix = (v: number) => {
      h = Math.imul(h ^ (v >>> 0), 0x01000193) >>> 0;
      h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
    };
    for (const v of this.s) mix(v);
    for (const label of labels) {
      if (typeof label === 'number') mix(label);
      else for (let i = 0; i < label.length; i++) mix(label.charCodeAt(i));
      mix(0xffffffff);
    }
    const child = new Rng(h);
    // Stir once more with the full parent state so children of different parents never collide.
    const s = child.state.map((v, i) => (v ^ this.s[i]) >>> 0);
    return new Rng(s);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
