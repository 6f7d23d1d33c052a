import { useInput } from 'ink';
import { useState } from 'react';
import type { TrainerControl } from '../../../train/events.ts';

export interface TrainerKeysOptions {
  /** Without one there is nothing to steer and the keys stay off. */
  control?: TrainerControl;
  /** Off once the run is over (the summary takes no keys). */
  active: boolean;
  /** Ctrl-C was pressed (a stop without confirmation); the caller may pick the exit code from it. */
  onInterrupt?: () => void;
  /** Ctrl-C pressed again while the stop is still saving: leave without waiting. */
  onForceQuit?: () => void;
}

/**
 * The live screens' keys: p pause/resume, s save, e evaluate, q stop after a y/n confirmation, Ctrl-C a
 * stop without one. Each request goes to TrainerControl, which the trainer reads at the next step.
 * The question pauses training (the answer may take a while, and the run should not move on meanwhile);
 * n resumes it unless the user had paused it before. Returns whether the stop confirmation is showing.
 */
export function useTrainerKeys({ control, active, onInterrupt, onForceQuit }: TrainerKeysOptions): { confirming: boolean } {
  // A mutable holder, not state: `q` then `y` may arrive before React re-renders.
  const [confirm] = useState(() => ({ showing: false, pausedByQuestion: false }));
  // Control flags are read while rendering; a key bumps this so the change shows at once.
  const [, setPresses] = useState(0);
  useInput(
    (input, key) => {
      if (!control) return;
      setPresses((n) => n + 1);
      if (key.ctrl && input === 'c') {
        confirm.showing = false;
        if (control.stopRequested) {
          onForceQuit?.();
          return;
        }
        onInterrupt?.();
        control.stop();
        return;
      }
      if (control.stopRequested) return;
      if (confirm.showing) {
        if (input === 'y' || input === 'Y') {
          confirm.showing = false;
          control.stop();
        } else if (input === 'n' || input === 'N' || key.escape) {
          confirm.showing = false;
          if (confirm.pausedByQuestion) control.resume();
        }
        return;
      }
      switch (input) {
        case 'p':
          control.togglePause();
          break;
        case 's':
          control.requestSave();
          break;
        case 'e':
          control.requestEval();
          break;
        case 'q':
          confirm.showing = true;
          confirm.pausedByQuestion = !control.paused;
          if (confirm.pausedByQuestion) control.pause();
          break;
      }
    },
    { isActive: active && control !== undefined },
  );
  return { confirming: confirm.showing };
}
