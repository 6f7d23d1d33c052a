import { Text } from 'ink';
import { bar } from '../chart.ts';
import { formatPercent } from '../format.ts';
import { useTheme } from '../hooks/use-theme.ts';

export interface ProgressBarProps {
  label: string;
  labelWidth?: number;
  done: number;
  total: number;
  width?: number;
  /** Text after the bar: counts, rates, ETA. */
  detail?: string;
}

export function ProgressBar({ label, labelWidth = 12, done, total, width = 30, detail }: ProgressBarProps) {
  const theme = useTheme();
  const fraction = total > 0 ? done / total : 0;
  const { filled, empty } = bar(fraction, width);
  return (
    <Text>
      {label.padEnd(labelWidth)} <Text color={theme.accent}>{filled}</Text>
      <Text color={theme.muted}>{empty}</Text> {formatPercent(fraction).padStart(4)}
      {detail ? `  ${detail}` : ''}
    </Text>
  );
}
