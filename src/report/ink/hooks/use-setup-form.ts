import { useInput } from 'ink';
import { useState } from 'react';
import type { FinetuneConfig } from '../../../run/config.ts';
import {
  configFromSetup,
  editSetupValues,
  fieldChoices,
  SETUP_FIELDS,
  setupErrors,
  setupValuesFrom,
  type SetupChecks,
  type SetupKey,
  type SetupValues,
} from '../setup-fields.ts';

export interface SetupFormOptions {
  initial: FinetuneConfig;
  onStart: (config: FinetuneConfig) => void;
  /** Esc (`escape`) or Ctrl-C (`interrupt`): the caller picks the exit code from it. */
  onCancel: (how: 'escape' | 'interrupt') => void;
  checks?: SetupChecks;
}

export interface SetupForm {
  values: SetupValues;
  errors: Partial<Record<SetupKey, string>>;
  focus: number;
  /** Set when Enter was pressed with invalid fields. */
  blocked: boolean;
}

/**
 * Applies a chunk of typed input: printable characters are appended, each backspace (DEL or BS)
 * removes one, other control characters are dropped. Fast typing arrives as one chunk ("\x7f\x7f").
 */
function typed(text: string, input: string): string {
  let out = text;
  for (const char of input) {
    if (char === '\u007f' || char === '\b') out = out.slice(0, -1);
    else if (char >= ' ') out += char;
  }
  return out;
}

/**
 * The setup screen's editing: ↑/↓ (or Tab) move between fields, typing edits the focused one,
 * Backspace deletes, Ctrl-U clears, ←/→ cycle a choice field, Enter starts when every field is valid,
 * Esc or Ctrl-C cancels. Every field is re-validated as it is typed.
 */
export function useSetupForm({ initial, onStart, onCancel, checks }: SetupFormOptions): SetupForm {
  // Kept in a mutable holder so keys arriving faster than React re-renders (a paste, tmux send-keys) all see the latest state.
  const [form] = useState(() => {
    const values = setupValuesFrom(initial);
    return { current: { values, errors: setupErrors(values, checks), focus: 0, blocked: false } as SetupForm };
  });
  const [, setVersion] = useState(0);
  const update = (patch: Partial<SetupForm>) => {
    const next = { ...form.current, ...patch };
    if (patch.values) next.errors = setupErrors(patch.values, checks);
    form.current = next;
    setVersion((n) => n + 1);
  };

  const submit = () => {
    const { values, errors } = form.current;
    const invalid = SETUP_FIELDS.findIndex((f) => errors[f.key] !== undefined);
    if (invalid >= 0) update({ blocked: true, focus: invalid });
    else onStart(configFromSetup(values, initial));
  };

  useInput((input, key) => {
    const { values, focus } = form.current;
    const field = SETUP_FIELDS[focus];
    const edit = (text: string) => update({ values: editSetupValues(values, field.key, text), blocked: false });
    const choices = fieldChoices(field, values);
    if ((key.ctrl && input === 'c') || key.escape) {
      onCancel(key.escape ? 'escape' : 'interrupt');
      return;
    }
    if (key.return) {
      submit();
      return;
    }
    if (key.upArrow || (key.tab && key.shift)) {
      update({ focus: (focus + SETUP_FIELDS.length - 1) % SETUP_FIELDS.length });
      return;
    }
    if (key.downArrow || key.tab) {
      update({ focus: (focus + 1) % SETUP_FIELDS.length });
      return;
    }
    if (choices) {
      if (key.leftArrow || key.rightArrow || input === ' ') {
        const at = choices.indexOf(values[field.key]);
        const step = key.leftArrow ? -1 : 1;
        edit(choices[(Math.max(at, 0) + step + choices.length) % choices.length]);
      }
      return;
    }
    if (key.backspace || key.delete) {
      edit(values[field.key].slice(0, -1));
      return;
    }
    if (key.ctrl && input === 'u') {
      edit('');
      return;
    }
    if (key.ctrl || key.meta) return;
    // Text and Enter read in one chunk ("0.002\r"): edit, then start.
    const enter = input.length > 1 && input.endsWith('\r');
    const text = typed(values[field.key], enter ? input.slice(0, -1) : input);
    if (text !== values[field.key]) edit(text);
    if (enter) submit();
  });

  return form.current;
}
