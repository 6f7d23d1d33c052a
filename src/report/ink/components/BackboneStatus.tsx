import { Text } from 'ink';
import { seconds } from '../../format.ts';
import { useTheme } from '../hooks/use-theme.ts';
import type { RunState } from '../run-store.ts';

/**
 * Which backbone layers train (--unfreeze-top) and on which engine: "layers 3-4 of 4 training on wasm",
 * or "head only; top 2 of 4 layers join at epoch 3", with the estimated epoch time and, when that is
 * long, the suggestion. Nothing for a run that trains only a head.
 */
export function BackboneStatus({ state, labelWidth }: { state: RunState; labelWidth: number }) {
  const theme = useTheme();
  const config = state.info?.config;
  if (!config || config.unfreezeTop === undefined) return null;
  const total = config.backboneLayers === undefined ? '' : ` of ${String(config.backboneLayers)}`;
  const engine = state.info!.tfBackend;
  const training = state.backboneTraining;
  const ratio = config.backboneLrRatio === undefined ? '' : `  lr × ${String(config.backboneLrRatio)}`;
  let what: string;
  if (training) what = `${training}${total} training on ${engine}${ratio}`;
  else {
    const top = config.unfreezeTop === 'all' ? `all${total} layers and the embeddings` : `top ${String(config.unfreezeTop)}${total} layers`;
    // unfreezeAtEpoch is 0-based: N epochs of the head alone, the layers from epoch N+1 (1-based, as shown).
    what = `head only; ${top} join at epoch ${Number(config.unfreezeAtEpoch ?? 0) + 1} on ${engine}`;
  }
  const estimate = training && state.estimate ? state.estimate : undefined;
  return (
    <>
      <Text>
        {'layers'.padEnd(labelWidth)} {what}
        {estimate ? <Text color={theme.muted}>{`   about ${seconds(estimate.secondsPerEpoch)} per epoch`}</Text> : null}
      </Text>
      {estimate?.suggestion ? <Text color={theme.warn}>{`${' '.repeat(labelWidth + 1)}${estimate.suggestion}`}</Text> : null}
    </>
  );
}
