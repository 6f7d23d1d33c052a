import { createContext } from 'react';

/** Colours the screens use; every one is undefined under NO_COLOR, so Ink writes no colour codes. */
export interface Theme {
  accent?: string;
  good?: string;
  warn?: string;
  bad?: string;
  muted?: string;
}

const COLORS: Required<Theme> = { accent: 'cyan', good: 'green', warn: 'yellow', bad: 'red', muted: 'gray' };

/** NO_COLOR (https://no-color.org): present and not empty turns colour off. */
export function themeFor(env: NodeJS.ProcessEnv = process.env): Theme {
  return env.NO_COLOR ? {} : { ...COLORS };
}

export const ThemeContext = createContext<Theme>(themeFor());
