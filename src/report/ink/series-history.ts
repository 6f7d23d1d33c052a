/**
 * A long numeric series kept in bounded memory: when it reaches `capacity` points, neighbouring
 * pairs are averaged and each point then stands for twice as many pushes. Charts only need the shape.
 */
export class SeriesHistory {
  private points: number[] = [];
  /** How many pushes each stored point averages. */
  private stride = 1;
  private pending: number[] = [];

  constructor(private readonly capacity: number) {
    if (capacity < 2 || capacity % 2 !== 0) throw new Error('SeriesHistory capacity must be an even number >= 2');
  }

  push(value: number): void {
    this.pending.push(value);
    if (this.pending.length < this.stride) return;
    this.points.push(mean(this.pending));
    this.pending = [];
    if (this.points.length >= this.capacity) {
      const halved: number[] = [];
      for (let i = 0; i < this.points.length; i += 2) halved.push((this.points[i] + this.points[i + 1]) / 2);
      this.points = halved;
      this.stride *= 2;
    }
  }

  /** The stored points, plus the average of a partly filled last point. */
  values(): number[] {
    return this.pending.length ? [...this.points, mean(this.pending)] : [...this.points];
  }
}

function mean(values: number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}
