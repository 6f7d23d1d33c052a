import { Text } from 'ink';
import { useTheme } from '../hooks/use-theme.ts';

export function KeyHints({ paused }: { paused: boolean }) {
  const theme = useTheme();
  const keys: [string, string][] = [
    ['p', paused ? 'resume' : 'pause'],
    ['s', 'save checkpoint'],
    ['e', 'evaluate now'],
    ['q', 'stop'],
  ];
  return (
    <Text color={theme.muted}>
      {keys.map(([key, action]) => `[${key}] ${action}`).join('   ')}
    </Text>
  );
}
