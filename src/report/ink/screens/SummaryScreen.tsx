import { basename } from 'node:path';
import { Box, Text } from 'ink';
import { ConfusionMatrix } from '../components/ConfusionMatrix.tsx';
import { MetricsTable } from '../components/MetricsTable.tsx';
import { formatCount, formatDuration, formatMetric } from '../format.ts';
import { useTheme } from '../hooks/use-theme.ts';
import type { RunState } from '../run-store.ts';

function outcome(state: RunState): string {
  const results = state.results!;
  if (results.interrupted) {
    const where = state.step === 0 && state.epoch > 1 ? `after epoch ${state.epoch - 1}` : `at epoch ${state.epoch}, step ${state.step}`;
    return `■ Stopped by request ${where}; a checkpoint was saved`;
  }
  if (results.stoppedEarly) return `■ Stopped early after epoch ${state.earlyStop?.epoch ?? state.epoch} (no improvement)`;
  return '✓ Training finished';
}

/**
 * Metrics per evaluation set, their confusion matrices, where the checkpoint is. The commands to run next
 * are printed after the view ends (formatAfterView), so long ones are not broken into lines.
 */
export function SummaryScreen({ state }: { state: RunState }) {
  const theme = useTheme();
  const results = state.results;
  if (!results) return null;
  const { train } = results;
  const checkpoint = results.checkpoint ?? results.bestCheckpoint ?? results.lastCheckpoint ?? state.lastCheckpoint?.path;
  const labelNames = state.info?.labelNames ?? [];
  return (
    <Box flexDirection="column">
      <Text bold color={results.interrupted || results.stoppedEarly ? theme.warn : theme.good}>
        {outcome(state)}
      </Text>
      <Text>
        {train.epochs > 0
          ? `train: loss ${formatMetric(train.loss)}  accuracy ${formatMetric(train.accuracy)}  ${train.epochs} epochs  ${formatCount(train.steps)} steps  ${formatDuration(train.seconds)}  ${formatCount(train.examplesPerSecond)} ex/s`
          : `train: ${formatCount(train.steps)} steps  ${formatDuration(train.seconds)}  ${formatCount(train.examplesPerSecond)} ex/s`}
      </Text>
      {Object.keys(results.eval).length > 0 ? (
        <Box marginTop={1} flexDirection="column">
          <Text color={theme.muted}>{state.final && checkpoint ? `metrics of the kept checkpoint (${basename(checkpoint)})` : 'metrics after the last epoch'}</Text>
          <MetricsTable evaluations={results.eval} />
        </Box>
      ) : (
        <Text color={theme.muted}>{train.epochs > 0 ? 'no evaluation sets' : 'no metrics yet: the run stopped before its first epoch ended'}</Text>
      )}
      {Object.entries(results.eval).map(([name, metrics]) => (
        <Box key={name} marginTop={1}>
          <ConfusionMatrix title={`Confusion matrix: ${name}`} confusion={metrics.confusion} labelNames={labelNames} />
        </Box>
      ))}
      <Box marginTop={1} flexDirection="column">
        {checkpoint ? (
          <Text>
            {'Checkpoint: '}
            <Text bold>{checkpoint}</Text>
            {results.bestCheckpoint && results.lastCheckpoint && results.bestCheckpoint !== results.lastCheckpoint ? (
              <Text color={theme.muted}>{`  (best; last: ${results.lastCheckpoint})`}</Text>
            ) : null}
          </Text>
        ) : (
          <Text color={theme.warn}>No checkpoint was written.</Text>
        )}
        {results.resultsFile && <Text>{`Results:    ${results.resultsFile}`}</Text>}
      </Box>
    </Box>
  );
}
