import { Static, Text } from 'ink';
import { seconds } from '../../format.ts';
import { formatMetric } from '../format.ts';
import { useTerminalWidth } from '../hooks/use-terminal-width.ts';
import { useTheme } from '../hooks/use-theme.ts';
import type { EpochRow } from '../run-store.ts';

interface Column {
  title: string;
  cell: (row: EpochRow) => string;
  /** Columns with the lowest keep go first when the terminal is too narrow for all of them. */
  keep: number;
}

const GAP = 2;

/** Columns: epoch, train loss and accuracy, then accuracy and macro-F1 of every named evaluation set. */
export function epochColumns(setNames: string[]): Column[] {
  const columns: Column[] = [
    { title: 'epoch', cell: (row) => `${row.epoch}/${row.epochs}`, keep: 100 },
    { title: 'train loss', cell: (row) => formatMetric(row.train.loss), keep: 90 },
    { title: 'train acc', cell: (row) => formatMetric(row.train.accuracy), keep: 40 },
  ];
  setNames.forEach((name, i) => {
    // The first set's accuracy is the headline (the best-so-far line follows it); other sets' F1 go first.
    columns.push({ title: `${name} acc`, cell: (row) => formatMetric(row.eval[name]?.accuracy), keep: i === 0 ? 80 : 25 - i });
    columns.push({ title: `${name} F1`, cell: (row) => formatMetric(row.eval[name]?.macroF1), keep: i === 0 ? 20 : 10 - i });
  });
  columns.push({ title: 'time', cell: (row) => seconds(row.seconds), keep: 30 });
  return columns;
}

const cellWidth = (column: Column) => Math.max(column.title.length, 7);

/** The columns that fit in `width` terminal columns, in their order, dropping the least needed first. */
export function fitColumns(columns: Column[], width: number): Column[] {
  const kept = [...columns];
  const lineWidth = () => kept.reduce((sum, c) => sum + cellWidth(c), 0) + GAP * (kept.length - 1);
  while (kept.length > 1 && lineWidth() > width) {
    const least = kept.reduce((a, b) => (b.keep < a.keep ? b : a));
    kept.splice(kept.indexOf(least), 1);
  }
  return kept;
}

function line(cells: string[], columns: Column[]): string {
  return cells.map((cell, i) => cell.padStart(cellWidth(columns[i]))).join(' '.repeat(GAP));
}

type Item = { key: string; header: true } | { key: string; header: false; row: EpochRow };

/**
 * Finished epochs, printed once each above the live area (Ink's <Static>), so the history stays in
 * the terminal's scrollback while the bars redraw below it. Columns that do not fit the terminal's
 * width are left out rather than wrapped; after a resize the app remounts the table, reprinting it.
 */
export function EpochTable({ rows }: { rows: EpochRow[] }) {
  const theme = useTheme();
  const columns = fitColumns(epochColumns(rows.length ? Object.keys(rows[0].eval) : []), useTerminalWidth());
  const items: Item[] = rows.length
    ? [{ key: 'header', header: true }, ...rows.map((row): Item => ({ key: `epoch-${row.epoch}`, header: false, row }))]
    : [];
  return (
    <Static items={items}>
      {(item) =>
        item.header ? (
          <Text key={item.key} bold color={theme.accent}>
            {line(
              columns.map((c) => c.title),
              columns,
            )}
          </Text>
        ) : (
          <Text key={item.key}>
            {line(
              columns.map((c) => c.cell(item.row)),
              columns,
            )}
          </Text>
        )
      }
    </Static>
  );
}
