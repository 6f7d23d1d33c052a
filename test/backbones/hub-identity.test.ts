import { describe, expect, it } from 'vitest';
import { pinnedRevision, sameBackbone } from '../../src/backbones/hub-identity.ts';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

describe('checkpoint backbone identity of hub models', () => {
  it('a checkpoint reloads its backbone at the commit it was trained on', () => {
    expect(pinnedRevision({ identity: `hub:Xenova/bert-base-cased@${A}`, revision: 'main' })).toBe(A);
    expect(pinnedRevision({ identity: `hub:Xenova/bert-base-cased@${A}#q8`, revision: 'main' })).toBe(A);
    expect(pinnedRevision({ identity: 'hub:Xenova/bert-base-cased@main', revision: 'main' })).toBe('main');
    expect(pinnedRevision({ identity: 'local:sha256:ff', revision: undefined })).toBeUndefined();
  });

  it('another commit is another backbone; a checkpoint from before commits were recorded matches its branch', () => {
    expect(sameBackbone(`hub:o/n@${A}`, { identity: `hub:o/n@${A}`, revision: 'main' })).toBe(true);
    expect(sameBackbone(`hub:o/n@${B}`, { identity: `hub:o/n@${A}`, revision: 'main' })).toBe(false);
    expect(sameBackbone(`hub:o/n@${B}#q8`, { identity: 'hub:o/n@main#q8', revision: 'main' })).toBe(true);
    expect(sameBackbone(`hub:o/n@${B}`, { identity: 'hub:o/n@main#q8', revision: 'main' })).toBe(false);
    expect(sameBackbone(`hub:o/other@${B}`, { identity: 'hub:o/n@main', revision: 'main' })).toBe(false);
    expect(sameBackbone('local:sha256:01', { identity: 'local:sha256:02' })).toBe(false);
  });
});
