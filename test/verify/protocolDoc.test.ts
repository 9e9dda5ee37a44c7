import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { protocolJsonSchema } from '../../src/verify/protocol.ts';

describe('docs/protocol.md', () => {
  it('carries the JSON Schema generated from the zod definitions', () => {
    const doc = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');
    const block = /## JSON Schema[\s\S]*?```json\n([\s\S]*?)```/.exec(doc);
    expect(block, 'docs/protocol.md has no JSON Schema block').not.toBeNull();
    expect(JSON.parse(block![1])).toEqual(JSON.parse(JSON.stringify(protocolJsonSchema())));
  });
});
