import { useInput } from 'ink';
import { useState } from 'react';
import type { FinetuneConfig } from '../../../run/config.ts';
import { configFromSetup, SETUP_FIELDS, setupErrors, setupValuesFrom, type SetupKey, type SetupValues } from '../setup-fields.ts';

export interface SetupFormOptions {
  initial: FinetuneConfig;
  onStart: (config: FinetuneConfig) => void;
  onCancel: () => void;
}

export interface SetupForm {
  values: SetupValues;
  errors: Partial<Record<SetupKey, string>>;
  focus: number;
  /** Set when Enter was pressed with invalid fields. */
  blocked: boolean;
}

// Typed text keeps printable characters only (a paste may carry newlines or escapes).
const printable = (input: string) => input.replace(/[\u0000-\u001f\u007f]/g, '');

/**
 * The setup screen's editing: ↑/↓ (or Tab) move between fields, typing edits the focused one,
 * Backspace deletes, Ctrl-U clears, ←/→ cycle a choice field, Enter starts when every field is valid,
 * Esc or Ctrl-C cancels. Every field is re-validated as it is typed.
 */
export function useSetupForm({ initial, onStart, onCancel }: SetupFormOptions): SetupForm {
  // Kept in a mutable holder so keys arriving faster than React re-renders (a paste, tmux send-keys) all see the latest state.
  const [form] = useState(() => {
    const values = setupValuesFrom(initial);
    return { current: { values, errors: setupErrors(values), focus: 0, blocked: false } as SetupForm };
  });
  const [, setVersion] = useState(0);
  const update = (patch: Partial<SetupForm>) => {
    const next = { ...form.current, ...patch };
    if (patch.values) next.errors = setupErrors(patch.values);
    form.current = next;
    setVersion((n) => n + 1);
  };

  useInput((input, key) => {
    const { values, errors, focus } = form.current;
    const field = SETUP_FIELDS[focus];
    const edit = (text: string) => update({ values: { ...values, [field.key]: text }, blocked: false });
    if ((key.ctrl && input === 'c') || key.escape) {
      onCancel();
      return;
    }
    if (key.return) {
      const invalid = SETUP_FIELDS.findIndex((f) => errors[f.key] !== undefined);
      if (invalid >= 0) {
        update({ blocked: true, focus: invalid });
        return;
      }
      onStart(configFromSetup(values, initial));
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
    if (field.choices) {
      if (key.leftArrow || key.rightArrow || input === ' ') {
        const at = field.choices.indexOf(values[field.key]);
        const step = key.leftArrow ? -1 : 1;
        edit(field.choices[(Math.max(at, 0) + step + field.choices.length) % field.choices.length]);
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
    const text = printable(input);
    if (text) edit(values[field.key] + text);
  });

  return form.current;
}
