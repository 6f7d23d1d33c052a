import { Text } from 'ink';
import { sparkline } from '../chart.ts';
import { formatMetric } from '../format.ts';
import { useTheme } from '../hooks/use-theme.ts';

export interface SparklineProps {
  label: string;
  labelWidth?: number;
  values: readonly number[];
  width?: number;
  /** Shown when there is nothing to draw yet. */
  empty?: string;
}

/** A labelled one-line chart with the first and latest value, and the range it spans. */
export function Sparkline({ label, labelWidth = 12, values, width = 40, empty = 'waiting for data' }: SparklineProps) {
  const theme = useTheme();
  if (values.length === 0) {
    return (
      <Text>
        {label.padEnd(labelWidth)} <Text color={theme.muted}>{empty}</Text>
      </Text>
    );
  }
  const first = values[0];
  const last = values[values.length - 1];
  const min = Math.min(...values);
  const max = Math.max(...values);
  return (
    <Text>
      {label.padEnd(labelWidth)} <Text color={theme.accent}>{sparkline(values, width)}</Text>
      {`  ${formatMetric(first)} → ${formatMetric(last)}`}
      <Text color={theme.muted}>{`  (min ${formatMetric(min)}, max ${formatMetric(max)})`}</Text>
    </Text>
  );
}
