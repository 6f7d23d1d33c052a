import { Box, Text, useApp, useStdin } from 'ink';
import { useEffect, useState } from 'react';
import type { TrainerControl } from '../../train/events.ts';
import { ControlStatus } from './components/ControlStatus.tsx';
import { EpochTable } from './components/EpochTable.tsx';
import { KeyHints } from './components/KeyHints.tsx';
import { QuitConfirm } from './components/QuitConfirm.tsx';
import { useResizeRedraw } from './hooks/use-resize-redraw.ts';
import { REFRESH_MS, useStoreSnapshot } from './hooks/use-store-snapshot.ts';
import { useTheme } from './hooks/use-theme.ts';
import { useTrainerKeys } from './hooks/use-trainer-keys.ts';
import type { RunStore } from './run-store.ts';
import { ExtractionScreen } from './screens/ExtractionScreen.tsx';
import { SetupScreen } from './screens/SetupScreen.tsx';
import { SummaryScreen } from './screens/SummaryScreen.tsx';
import { TrainingScreen } from './screens/TrainingScreen.tsx';
import type { SetupFormOptions } from './hooks/use-setup-form.ts';
import { ThemeContext, themeFor, type Theme } from './theme.ts';

/** What the setup screen needs: the form's own options (initial config, start, cancel, checks). */
export type SetupProps = SetupFormOptions;

export interface TrainerAppProps {
  store: RunStore;
  /** Where the keys send their requests; without it the view only watches. */
  control?: TrainerControl;
  /** Show the setup screen first (`transferkit train`); without it the live view starts at once (`finetune`). */
  setup?: SetupProps;
  onInterrupt?: () => void;
  onForceQuit?: () => void;
  refreshMs?: number;
  theme?: Theme;
}

/** The interactive trainer: setup, then the live screens off the store, then the summary; exits once the run is closed. */
export function TrainerApp({ store, control, setup, onInterrupt, onForceQuit, refreshMs = REFRESH_MS, theme }: TrainerAppProps) {
  const [stage, setStage] = useState<'setup' | 'live'>(setup ? 'setup' : 'live');
  const { exit } = useApp();
  return (
    <ThemeContext.Provider value={theme ?? themeFor()}>
      {stage === 'setup' && setup ? (
        <SetupScreen
          initial={setup.initial}
          checks={setup.checks}
          onStart={(config) => {
            setStage('live');
            setup.onStart(config);
          }}
          onCancel={(how) => {
            setup.onCancel(how);
            exit();
          }}
        />
      ) : (
        <LiveView store={store} control={control} onInterrupt={onInterrupt} onForceQuit={onForceQuit} refreshMs={refreshMs} />
      )}
    </ThemeContext.Provider>
  );
}

type LiveViewProps = Pick<TrainerAppProps, 'store' | 'control' | 'onInterrupt' | 'onForceQuit'> & { refreshMs: number };

function LiveView({ store, control, onInterrupt, onForceQuit, refreshMs }: LiveViewProps) {
  const theme = useTheme();
  const { exit } = useApp();
  const { isRawModeSupported } = useStdin();
  const state = useStoreSnapshot(store, refreshMs);
  const over = state.phase === 'done' || state.phase === 'failed' || state.closed;
  const keysOn = Boolean(control) && isRawModeSupported && !over;
  const { confirming } = useTrainerKeys({ control, active: keysOn, onInterrupt, onForceQuit });
  const redraws = useResizeRedraw();

  useEffect(() => {
    if (!state.closed) return;
    // Leave after this frame is on screen; Ink draws the last frame when it unmounts.
    const timer = setTimeout(() => exit(), 0);
    return () => clearTimeout(timer);
  }, [state.closed, exit]);

  const screen =
    state.phase === 'done' ? (
      <SummaryScreen state={state} />
    ) : state.phase === 'training' || (state.phase === 'failed' && state.epoch > 0) ? (
      <TrainingScreen state={state} />
    ) : (
      <ExtractionScreen state={state} />
    );
  return (
    <Box flexDirection="column">
      <EpochTable key={redraws} rows={state.epochRows} />
      {screen}
      {state.phase === 'failed' && <Text color={theme.bad}>✗ the run failed (the error follows)</Text>}
      {!over && <ControlStatus state={state} control={control} confirming={confirming} />}
      {keysOn && control && (confirming ? <QuitConfirm /> : !control.stopRequested && <KeyHints paused={state.paused || control.paused} />)}
    </Box>
  );
}

