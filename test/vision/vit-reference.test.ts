/**
 * The generated ViT computes what Hugging Face's ViTModel computes: a plain-JS forward pass written from
 * modeling_vit.py (row-major patches, CLS first, position embeddings, pre-norm layers, final LayerNorm,
 * dense + tanh pooler on CLS) on the same seeded weights, against ONNX Runtime through Transformers.js.
 */
import { join } from 'node:path';
import { AutoModel, Tensor } from '@huggingface/transformers';
import { expect, it } from 'vitest';
import { makeViTModel, TINY_VIT } from '../../src/fixtures/vit.ts';
import { seededWeights, type WeightRole } from '../../src/fixtures/transformer-graph.ts';
import { mulberry32 } from '../../src/fixtures/random.ts';
import { scratchFolder } from '../helpers/tiny-model.ts';

const scratch = scratchFolder('tk-vit-reference-');

function erf(x: number): number {
  // Numerical Recipes erfc approximation (|error| < 1.2e-7), enough for a 1e-5 comparison.
  const t = 1 / (1 + 0.5 * Math.abs(x));
  const y = 1 - t * Math.exp(-x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? y : -y;
}

it('last_hidden_state and pooler_output equal a plain-JS ViTModel forward pass (max abs diff <= 1e-5)', async () => {
  const seed = 5;
  const dir = join(scratch.dir, 'vit');
  await makeViTModel({ outDir: dir, seed });
  const { imageSize: S, patchSize: P, hidden: H, layers: L, heads: NH, intermediate: I, initializerRange } = TINY_VIT;
  const src = seededWeights(seed, initializerRange);
  const W = (name: string, dims: number[], role: WeightRole) => { const c = src(name, dims, role).rawData as { produce: () => Uint8Array }; const b = c.produce(); return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4); };
  const B = 2, G = S / P, N = G * G + 1;
  const next = mulberry32(9); const px = Float32Array.from({ length: B * 3 * S * S }, () => next() * 2 - 1);
  const ln = (x: number[], g: Float32Array, b: Float32Array) => { const m = x.reduce((a, v) => a + v, 0) / x.length; const v = x.reduce((a, y) => a + (y - m) ** 2, 0) / x.length; return x.map((y, i) => ((y - m) / Math.sqrt(v + 1e-12)) * g[i] + b[i]); };
  const lin = (x: number[], w: Float32Array, b: Float32Array, o: number) => Array.from({ length: o }, (_, j) => x.reduce((a, v, i) => a + v * w[i * o + j], b[j]));
  const gelu = (x: number) => 0.5 * x * (1 + erf(x / Math.SQRT2));
  const cw = W('embeddings.patch_embeddings.projection.weight', [H, 3, P, P], 'linear'), cb = W('embeddings.patch_embeddings.projection.bias', [H], 'bias');
  const cls = W('embeddings.cls_token', [1, 1, H], 'embedding'), pos = W('embeddings.position_embeddings', [1, N, H], 'embedding');
  const ours: number[] = [], pooled: number[] = [];
  for (let b = 0; b < B; b++) {
    let h: number[][] = [Array.from(cls)];
    for (let gy = 0; gy < G; gy++) for (let gx = 0; gx < G; gx++) h.push(Array.from({ length: H }, (_, o) => { let s = cb[o]; for (let c = 0; c < 3; c++) for (let y = 0; y < P; y++) for (let x = 0; x < P; x++) s += cw[((o * 3 + c) * P + y) * P + x] * px[((b * 3 + c) * S + gy * P + y) * S + gx * P + x]; return s; }));
    h = h.map((r, t) => r.map((v, i) => v + pos[t * H + i]));
    for (let l = 0; l < L; l++) {
      const p = `encoder.layer.${l}`; const g = (n: string, d: number[], r: WeightRole) => W(`${p}.${n}`, d, r);
      const x = h.map((r) => ln(r, g('layernorm_before.weight', [H], 'ln-gamma'), g('layernorm_before.bias', [H], 'ln-beta')));
      const [q, k, v] = ['query', 'key', 'value'].map((n) => x.map((r) => lin(r, g(`attention.attention.${n}.weight`, [H, H], 'linear'), g(`attention.attention.${n}.bias`, [H], 'bias'), H)));
      const d = H / NH; const ctx = x.map(() => new Array(H).fill(0));
      for (let hd = 0; hd < NH; hd++) for (let i = 0; i < N; i++) { const sc = Array.from({ length: N }, (_, j) => { let s = 0; for (let e = 0; e < d; e++) s += q[i][hd * d + e] * k[j][hd * d + e]; return s / Math.sqrt(d); }); const mx = Math.max(...sc); const ex = sc.map((s) => Math.exp(s - mx)); const z = ex.reduce((a, c) => a + c, 0); for (let j = 0; j < N; j++) for (let e = 0; e < d; e++) ctx[i][hd * d + e] += (ex[j] / z) * v[j][hd * d + e]; }
      const h1 = ctx.map((r, t) => lin(r, g('attention.output.dense.weight', [H, H], 'linear'), g('attention.output.dense.bias', [H], 'bias'), H).map((y, i) => y + h[t][i]));
      h = h1.map((r) => { const u = lin(ln(r, g('layernorm_after.weight', [H], 'ln-gamma'), g('layernorm_after.bias', [H], 'ln-beta')), g('intermediate.dense.weight', [H, I], 'linear'), g('intermediate.dense.bias', [I], 'bias'), I).map(gelu); return lin(u, g('output.dense.weight', [I, H], 'linear'), g('output.dense.bias', [H], 'bias'), H).map((y, i) => y + r[i]); });
    }
    h = h.map((r) => ln(r, W('layernorm.weight', [H], 'ln-gamma'), W('layernorm.bias', [H], 'ln-beta')));
    ours.push(...h.flat());
    pooled.push(...lin(h[0], W('pooler.dense.weight', [H, H], 'linear'), W('pooler.dense.bias', [H], 'bias'), H).map(Math.tanh));
  }
  const model = await AutoModel.from_pretrained(dir, { device: 'cpu', dtype: 'fp32', local_files_only: true });
  const out = (await model({ pixel_values: new Tensor('float32', px, [B, 3, S, S]) })) as Record<string, Tensor>;
  const diff = (a: ArrayLike<number>, b: ArrayLike<number>) => { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i])); return m; };
  await model.dispose();
  expect(out.last_hidden_state.dims).toEqual([B, N, H]);
  expect(diff(out.last_hidden_state.data as Float32Array, ours)).toBeLessThanOrEqual(1e-5);
  expect(diff(out.pooler_output.data as Float32Array, pooled)).toBeLessThanOrEqual(1e-5);
});
