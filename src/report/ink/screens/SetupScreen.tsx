import { Box, Text } from 'ink';
import { useSetupForm, type SetupFormOptions } from '../hooks/use-setup-form.ts';
import { useTheme } from '../hooks/use-theme.ts';
import { SETUP_FIELDS } from '../setup-fields.ts';

export type SetupScreenProps = SetupFormOptions;

const LABEL_WIDTH = Math.max(...SETUP_FIELDS.map((f) => f.label.length)) + 2;

/** The fields of a run, pre-filled from the flags and defaults, validated as they are typed. */
export function SetupScreen(props: SetupScreenProps) {
  const theme = useTheme();
  const { values, errors, focus, blocked } = useSetupForm(props);
  const errorCount = Object.keys(errors).length;
  return (
    <Box flexDirection="column">
      <Text bold color={theme.accent}>
        TransferKit — new training run
      </Text>
      <Text color={theme.muted}>↑/↓ move · type to edit · ←/→ change a choice · Enter start · Esc cancel</Text>
      <Box flexDirection="column" marginTop={1}>
        {SETUP_FIELDS.map((field, i) => {
          const focused = i === focus;
          const error = errors[field.key];
          const value = values[field.key];
          const shown = field.choices ? `‹ ${value} ›` : value;
          return (
            <Text key={field.key}>
              <Text color={focused ? theme.accent : undefined} bold={focused}>
                {focused ? '› ' : '  '}
                {field.label.padEnd(LABEL_WIDTH)}
              </Text>
              <Text inverse={focused && !field.choices}>{shown || ' '}</Text>
              {error ? (
                <Text color={theme.bad}>{`  ✗ ${error}`}</Text>
              ) : focused && field.hint ? (
                <Text color={theme.muted}>{`  ${field.hint}`}</Text>
              ) : null}
            </Text>
          );
        })}
      </Box>
      <Box marginTop={1}>
        {errorCount > 0 ? (
          <Text color={blocked ? theme.bad : theme.warn}>
            {`${errorCount} field${errorCount === 1 ? '' : 's'} to fix before Enter can start the run`}
          </Text>
        ) : (
          <Text color={theme.good}>Press Enter to start training</Text>
        )}
      </Box>
    </Box>
  );
}
