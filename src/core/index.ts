// The modality-neutral core: every other folder may import it; it imports nothing outside itself.
export type { TextInput, ImageInput, RawImageLike, Modality } from './inputs.ts';
export { featureRow, type FeatureMatrix } from './features.ts';
export { MODEL_DTYPES, POOLINGS, type ModelDtype, type Pooling, type DeviceChoice, type ExtractOptions, type FeatureExtractor, type BackboneReference } from './extractor.ts';
export { Rng } from './rng.ts';
