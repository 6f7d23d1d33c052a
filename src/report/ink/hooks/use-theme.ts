import { useContext } from 'react';
import { ThemeContext, type Theme } from '../theme.ts';

export function useTheme(): Theme {
  return useContext(ThemeContext);
}
