import { Box, Text } from 'ink';
import type { Metrics } from '../../../train/events.ts';
import { formatCount, formatMetric } from '../format.ts';
import { useTheme } from '../hooks/use-theme.ts';

const HEADERS = ['n', 'accuracy', 'macro F1', 'loss'];

/** One row per evaluation set: n, accuracy, macro-F1, loss. */
export function MetricsTable({ evaluations }: { evaluations: Record<string, Metrics> }) {
  const theme = useTheme();
  const names = Object.keys(evaluations);
  const nameWidth = Math.max(8, ...names.map((n) => n.length));
  const cell = (text: string) => text.padStart(10);
  return (
    <Box flexDirection="column">
      <Text bold color={theme.accent}>
        {'eval set'.padEnd(nameWidth)}
        {HEADERS.map(cell).join('')}
      </Text>
      {names.map((name) => {
        const m = evaluations[name];
        return (
          <Text key={name}>
            {name.padEnd(nameWidth)}
            {[formatCount(m.n), formatMetric(m.accuracy), formatMetric(m.macroF1), formatMetric(m.loss)].map(cell).join('')}
          </Text>
        );
      })}
    </Box>
  );
}
