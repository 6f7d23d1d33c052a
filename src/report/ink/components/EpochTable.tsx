import { Static, Text } from 'ink';
import { seconds } from '../../format.ts';
import { formatMetric } from '../format.ts';
import { useTheme } from '../hooks/use-theme.ts';
import type { EpochRow } from '../run-store.ts';

interface Column {
  title: string;
  cell: (row: EpochRow) => string;
}

/** Columns: epoch, train loss and accuracy, then accuracy and macro-F1 of every named evaluation set. */
export function epochColumns(setNames: string[]): Column[] {
  const columns: Column[] = [
    { title: 'epoch', cell: (row) => `${row.epoch}/${row.epochs}` },
    { title: 'train loss', cell: (row) => formatMetric(row.train.loss) },
    { title: 'train acc', cell: (row) => formatMetric(row.train.accuracy) },
  ];
  for (const name of setNames) {
    columns.push({ title: `${name} acc`, cell: (row) => formatMetric(row.eval[name]?.accuracy) });
    columns.push({ title: `${name} F1`, cell: (row) => formatMetric(row.eval[name]?.macroF1) });
  }
  columns.push({ title: 'time', cell: (row) => seconds(row.seconds) });
  return columns;
}

function line(cells: string[], columns: Column[]): string {
  return cells.map((cell, i) => cell.padStart(Math.max(columns[i].title.length, 7))).join('  ');
}

type Item = { key: string; header: true } | { key: string; header: false; row: EpochRow };

/**
 * Finished epochs, printed once each above the live area (Ink's <Static>), so the history stays in
 * the terminal's scrollback while the bars redraw below it.
 */
export function EpochTable({ rows }: { rows: EpochRow[] }) {
  const theme = useTheme();
  const columns = epochColumns(rows.length ? Object.keys(rows[0].eval) : []);
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
