import { Text } from 'ink';
import { useTheme } from '../hooks/use-theme.ts';

export function QuitConfirm() {
  const theme = useTheme();
  return (
    <Text bold color={theme.warn}>
      Stop training? A checkpoint is saved first. [y] stop  [n] keep training
    </Text>
  );
}
