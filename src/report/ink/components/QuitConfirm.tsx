import { Box, Text } from 'ink';
import { useTheme } from '../hooks/use-theme.ts';

export function QuitConfirm() {
  const theme = useTheme();
  return (
    <Box flexDirection="column">
      <Text bold color={theme.warn}>
        Stop training? A checkpoint is saved first. [y] stop  [n] keep training
      </Text>
      <Text color={theme.muted}>(training is paused while you answer)</Text>
    </Box>
  );
}
