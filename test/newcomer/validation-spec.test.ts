/** Issue 10 item 5: a --validation value with an empty name is a usage error naming the NAME=SOURCE form. */
import { describe, expect, it } from 'vitest';
import { parseValidationSpecs } from '../../src/run/config.ts';

const lineOf = (specs: string[]) => {
  try {
    parseValidationSpecs(specs);
    return 'parsed';
  } catch (error) {
    return (error as { line: string; exitCode: number }).line;
  }
};

describe('--validation NAME=SOURCE', () => {
  it('"=FILE" names --validation and the form, instead of looking for a file called "=FILE"', () => {
    expect(lineOf(['=dev.tsv'])).toBe("--validation: the name before '=' is empty in '=dev.tsv'; use NAME=SOURCE (e.g. dev=dev.tsv) or just SOURCE");
  });

  it('a bare SOURCE and NAME=SOURCE still work, and a path with = inside stays a path', () => {
    expect(parseValidationSpecs(['dev.tsv', 'b=x.tsv', 'c=data/k=v.tsv'])).toEqual({ validation: 'dev.tsv', b: 'x.tsv', c: 'data/k=v.tsv' });
  });
});
