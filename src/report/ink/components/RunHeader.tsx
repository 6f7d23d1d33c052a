import { Text } from 'ink';
import type { RunInfo } from '../../../train/events.ts';
import { useTheme } from '../hooks/use-theme.ts';

/** One line naming the run: model, head, pooling, data, device and TF.js backend. */
export function RunHeader({ info }: { info?: RunInfo }) {
  const theme = useTheme();
  if (!info) return <Text bold color={theme.accent}>TransferKit — starting…</Text>;
  const config = info.config;
  const parts = [config.model, config.head && `${String(config.head)} head`, config.pooling && `${String(config.pooling)} pooling`]
    .filter(Boolean)
    .map(String);
  return (
    <Text>
      <Text bold color={theme.accent}>
        TransferKit
      </Text>
      {` ${parts.join(' · ')}`}
      <Text color={theme.muted}>{`  (${info.device}, tfjs ${info.tfBackend})`}</Text>
    </Text>
  );
}
