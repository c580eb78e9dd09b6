import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The README's example files live, type-checked, in test-app/readme/ (tsconfig.typecheck.json maps
// `@/lib/session` there). This keeps the two the same.
const FILES: Record<string, string> = {
  '// lib/session.ts': 'session.ts',
  '// app/cart/page.tsx': 'page.tsx',
  '// app/cart/actions.ts': 'actions.ts',
  '// app/api/cart/route.ts': 'route.ts',
  '// proxy.ts': 'proxy.ts',
  '// pages/api/visits.ts': 'visits.ts',
};

const read = (path: string): string => readFileSync(fileURLToPath(new URL(path, import.meta.url)), 'utf8');

describe('README.md', () => {
  const blocks = [...read('../README.md').matchAll(/```tsx?\n(.*?)```/gs)].map((match) => match[1]!);

  it.each(Object.entries(FILES))(
    'the %s example is test-app/readme/%s, which typecheck covers',
    (first, file) => {
      const block = blocks.find((code) => code.startsWith(first));
      expect(block, `a README block starting with ${first}`).toBeDefined();
      const checked = read(`../test-app/readme/${file}`)
        .split('\n')
        .slice(1) // the note that says where the file comes from
        .join('\n')
        .replace(/\nasync function checkPassword[\s\S]*$/, '');
      expect(checked).toBe(block);
    },
  );
});
