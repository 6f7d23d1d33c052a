import { Box, Text } from 'ink';
import { seconds } from '../../format.ts';
import { BackboneStatus } from '../components/BackboneStatus.tsx';
import { ProgressBar } from '../components/ProgressBar.tsx';
import { RunHeader } from '../components/RunHeader.tsx';
import { Sparkline } from '../components/Sparkline.tsx';
import { etaSeconds, formatCount, formatDuration, formatMetric, formatRate } from '../format.ts';
import { chartWidths, useTerminalWidth } from '../hooks/use-terminal-width.ts';
import { useTheme } from '../hooks/use-theme.ts';
import { remainingSteps, type RunState } from '../run-store.ts';

const LABEL = 12;

function extractionSummary(state: RunState): string {
  return state.splits
    .map((s) => `${s.split} ${formatCount(s.total)}${s.cached ? ' (cached)' : s.seconds !== undefined ? ` in ${seconds(s.seconds)}` : ''}`)
    .join(' · ');
}

/** Epoch and step bars, loss and validation-accuracy charts, throughput, ETA, best so far. */
export function TrainingScreen({ state }: { state: RunState }) {
  const theme = useTheme();
  const { bar, chart } = chartWidths(useTerminalWidth());
  const epochFraction = state.epochs > 0 ? (state.epoch - 1 + (state.steps ? state.step / state.steps : 0)) / state.epochs : 0;
  const eta = formatDuration(etaSeconds(remainingSteps(state), state.stepsPerSecond));
  const best = state.best;
  return (
    <Box flexDirection="column">
      <RunHeader info={state.info} />
      {state.splits.length > 0 && <Text color={theme.muted}>{`features: ${extractionSummary(state)}`}</Text>}
      <ProgressBar label="epoch" labelWidth={LABEL} width={bar} done={epochFraction} total={1} detail={`epoch ${state.epoch}/${state.epochs}  ETA ${eta}`} />
      <ProgressBar
        label="step"
        labelWidth={LABEL}
        width={bar}
        done={state.step}
        total={state.steps}
        detail={`step ${state.step}/${state.steps}  step loss ${formatMetric(state.loss)}  ${formatRate(state.examplesPerSecond)} ex/s`}
      />
      <BackboneStatus state={state} labelWidth={LABEL} />
      {/* Points of the loss chart average several steps once the run is long, so its numbers differ from the step loss above. */}
      <Sparkline label="avg loss" labelWidth={LABEL} width={chart} values={state.losses} />
      <Sparkline label="val acc" labelWidth={LABEL} width={chart} values={state.validationAccuracy} empty="after the first epoch" />
      <Text>
        {'best'.padEnd(LABEL)}{' '}
        {best ? (
          <Text color={theme.good}>{`${best.set} accuracy ${formatMetric(best.accuracy)} at epoch ${best.epoch}`}</Text>
        ) : (
          <Text color={theme.muted}>after the first epoch</Text>
        )}
        {state.lr !== undefined ? <Text color={theme.muted}>{`   lr ${state.lr.toExponential(2)}`}</Text> : null}
      </Text>
    </Box>
  );
}
