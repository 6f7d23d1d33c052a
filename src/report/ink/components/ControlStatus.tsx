import { Box, Text } from 'ink';
import type { TrainerControl } from '../../../train/events.ts';
import { formatMetric } from '../format.ts';
import { useTheme } from '../hooks/use-theme.ts';
import type { CheckpointNote, RunState } from '../run-store.ts';

export interface ControlStatusProps {
  state: Pick<RunState, 'paused' | 'lastCheckpoint' | 'manualCheckpoint' | 'manualEvaluation' | 'earlyStop' | 'phase' | 'steps'>;
  /** Read at render time: what was asked for and not yet carried out by the trainer. */
  control?: Pick<TrainerControl, 'paused' | 'saveRequested' | 'evalRequested' | 'stopRequested'>;
  /** The stop question is showing: it says training is paused, and p is off until it is answered. */
  confirming?: boolean;
}

/** Pause state, pending requests, the last checkpoint and the last manual evaluation. */
export function ControlStatus({ state, control, confirming = false }: ControlStatusProps) {
  const theme = useTheme();
  const lines: { key: string; text: string; color?: string }[] = [];
  if (control?.stopRequested) lines.push({ key: 'stop', text: '■ stopping: saving a checkpoint at the next step…', color: theme.warn });
  // While the stop question shows, it says that training is paused (and p is off until it is answered).
  if (!confirming) {
    if (state.paused) lines.push({ key: 'pause', text: '⏸ PAUSED — press p to resume', color: theme.warn });
    else if (control?.paused) lines.push({ key: 'pause', text: '⏸ pausing at the next step…', color: theme.warn });
  }
  if (control?.saveRequested) lines.push({ key: 'save', text: '… saving a checkpoint at the next step', color: theme.muted });
  if (control?.evalRequested) lines.push({ key: 'eval', text: '… evaluating at the next step', color: theme.muted });
  const checkpointLine = (key: string, c: CheckpointNote) => {
    // The event counts finished epochs; a save inside an epoch belongs to the epoch in progress, the
    // 1-based number the bars, the table and "evaluated at" show.
    const insideEpoch = state.steps > 0 && c.step !== c.epoch * state.steps;
    return { key, text: `✓ checkpoint (${c.reason}, epoch ${insideEpoch ? c.epoch + 1 : c.epoch} step ${c.step}) → ${c.path}`, color: theme.good };
  };
  if (state.manualCheckpoint) lines.push(checkpointLine('manual', state.manualCheckpoint));
  if (state.lastCheckpoint && state.lastCheckpoint !== state.manualCheckpoint) lines.push(checkpointLine('checkpoint', state.lastCheckpoint));
  const evaluation = state.manualEvaluation;
  if (evaluation) {
    const parts = Object.entries(evaluation.eval).map(
      ([name, m]) => `${name} acc ${formatMetric(m.accuracy)} F1 ${formatMetric(m.macroF1)} loss ${formatMetric(m.loss)}`,
    );
    lines.push({ key: 'evaluation', text: `✓ evaluated at epoch ${evaluation.epoch} step ${evaluation.step}: ${parts.join(' · ')}` });
  }
  if (state.earlyStop) {
    const { epoch, monitor, best } = state.earlyStop;
    lines.push({ key: 'early', text: `early stop at epoch ${epoch}: ${monitor} stopped improving (best ${formatMetric(best)})`, color: theme.warn });
  }
  if (lines.length === 0) return null;
  return (
    <Box flexDirection="column">
      {lines.map((l) => (
        <Text key={l.key} color={l.color}>
          {l.text}
        </Text>
      ))}
    </Box>
  );
}
