import { afterAll, describe, expect, it } from 'vitest';
import { runStart, stepEvents } from './synthetic.ts';
import { waitForFrame } from './wait.ts';

// Colour support is decided when chalk loads, so force it on before Ink is imported: the test then
// shows that the colours come from the theme, and that NO_COLOR's theme writes none.
process.env.FORCE_COLOR = '1';
const { cleanup, render } = await import('ink-testing-library');
const { TrainerApp } = await import('../../../src/report/ink/App.tsx');
const { RunStore } = await import('../../../src/report/ink/run-store.ts');
const { themeFor } = await import('../../../src/report/ink/theme.ts');
const { TrainerControl } = await import('../../../src/train/events.ts');

afterAll(cleanup);

// SGR foreground colours (30-37, 90-97, 38;5;n / 38;2;r;g;b).
const COLOUR_CODE = /\u001B\[(3[0-8]|9[0-7])[;m]/;

async function frameWith(env: NodeJS.ProcessEnv): Promise<string> {
  const store = new RunStore();
  const { lastFrame } = render(<TrainerApp store={store} control={new TrainerControl()} refreshMs={10} theme={themeFor(env)} />);
  store.push(runStart);
  store.push({ type: 'epoch-start', epoch: 1, epochs: 2, steps: 4 });
  for (const event of stepEvents(1, 4, 1, 2)) store.push(event);
  return waitForFrame(lastFrame, 'step 2/4');
}

describe('NO_COLOR', () => {
  it('colours the screen normally and writes no colour codes under NO_COLOR', async () => {
    expect(await frameWith({})).toMatch(COLOUR_CODE);
    const plain = await frameWith({ NO_COLOR: '1' });
    expect(plain).not.toMatch(COLOUR_CODE);
    expect(plain).toContain('step 2/4');
  });
});
