import { Box, Text } from 'ink';
import { seconds } from '../../format.ts';
import { ProgressBar } from '../components/ProgressBar.tsx';
import { RunHeader } from '../components/RunHeader.tsx';
import { etaSeconds, formatCount, formatDuration, formatRate } from '../format.ts';
import { chartWidths, useTerminalWidth } from '../hooks/use-terminal-width.ts';
import { useTheme } from '../hooks/use-theme.ts';
import type { RunState, SplitProgress } from '../run-store.ts';

function splitDetail(split: SplitProgress, unit: string): string {
  const cache = split.cached ? ' (cache hit)' : '';
  if (split.finished) return `${formatCount(split.total)} ${unit} in ${seconds(split.seconds ?? 0)}${cache}`;
  const eta = formatDuration(etaSeconds(split.total - split.done, split.perSecond));
  return `${formatCount(split.done)}/${formatCount(split.total)}  ${formatRate(split.perSecond)} ${unit}/s  ETA ${eta}${cache}`;
}

/** Feature extraction: one bar per split with pairs/s (images/s for an image task), ETA and whether the on-disk cache answered. */
export function ExtractionScreen({ state }: { state: Pick<RunState, 'info' | 'splits'> }) {
  const theme = useTheme();
  const { bar } = chartWidths(useTerminalWidth());
  const labelWidth = Math.max(10, ...state.splits.map((s) => s.split.length + 1));
  const hits = state.splits.filter((s) => s.cached).length;
  const unit = state.info?.config.task === 'image-classification' ? 'images' : 'pairs';
  return (
    <Box flexDirection="column">
      <RunHeader info={state.info} />
      <Text bold>Extracting features</Text>
      {state.splits.length === 0 ? (
        <Text color={theme.muted}>loading the model and data…</Text>
      ) : (
        state.splits.map((split) => (
          <ProgressBar key={split.split} label={split.split} labelWidth={labelWidth} width={bar} done={split.done} total={split.total} detail={splitDetail(split, unit)} />
        ))
      )}
      {state.splits.length > 0 && (
        <Text color={theme.muted}>{`cache hits: ${hits}/${state.splits.length} splits`}</Text>
      )}
    </Box>
  );
}
