import { Box, Text } from 'ink';
import { useTheme } from '../hooks/use-theme.ts';

export interface ConfusionMatrixProps {
  title: string;
  /** confusion[gold][predicted] */
  confusion: number[][];
  labelNames: string[];
}

/** Rows are gold labels, columns predictions; the diagonal (correct) is highlighted. */
export function ConfusionMatrix({ title, confusion, labelNames }: ConfusionMatrixProps) {
  const theme = useTheme();
  const labels = confusion.map((_, i) => labelNames[i] ?? String(i));
  const rowWidth = Math.max(10, ...labels.map((l) => l.length)) + 1;
  const cellWidth = Math.max(7, ...labels.map((l) => l.length + 1), ...confusion.flat().map((n) => String(n).length + 1));
  return (
    <Box flexDirection="column">
      <Text bold>
        {title}
        <Text color={theme.muted}> (rows gold, columns predicted)</Text>
      </Text>
      <Text color={theme.muted}>
        {'gold \\ pred'.padEnd(rowWidth)}
        {labels.map((l) => l.padStart(cellWidth)).join('')}
      </Text>
      {confusion.map((row, gold) => (
        <Text key={labels[gold]}>
          {labels[gold].padEnd(rowWidth)}
          {row.map((count, predicted) => (
            <Text key={predicted} color={predicted === gold ? theme.good : undefined} bold={predicted === gold}>
              {String(count).padStart(cellWidth)}
            </Text>
          ))}
        </Text>
      ))}
    </Box>
  );
}
