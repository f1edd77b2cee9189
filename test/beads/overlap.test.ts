import { describe, expect, it } from 'vitest';
import { compileScopeGlob, globsOverlap } from '../../src/beads/index.js';

describe('globsOverlap', () => {
  it.each([
    ['src/server.ts', 'src/server.ts', true],
    ['src/server.ts', 'src/**', true],
    ['src/routes/**', 'src/**/*.ts', true],
    ['src/*.ts', 'src/a.ts', true],
    ['src', 'src/a.ts', true], // a literal may name a directory
    ['./src/a.ts', 'src/a.ts', true],
    ['src/', 'src/deep/x.md', true],
    ['**/*.ts', 'lib/x.ts', true],
    ['**', 'anything/at/all', true],
    ['*.md', '.github/x.md', false], // * stays in one segment
    ['**/*.md', '.github/x.md', true], // dot directories count
    ['*', '.env', true], // dot files count
    ['src/{a,b}.ts', 'src/b.ts', true],
    ['src/{a,b}.ts', 'lib/**', false], // unrelated static bases
    ['{src,lib}/x.ts', 'test/x.ts', true], // base '' overlaps conservatively
    ['src/**/*.test.ts', 'src/**/*.spec.ts', false],
    ['src/*.ts', 'src/*.md', false],
    ['src/a*.ts', 'src/*b.ts', true], // ab.ts
    ['src/a*', 'src/b*', false],
    ['src/?.ts', 'src/*.md', true], // ? is left to the conservative answer
    ['src/server.ts', 'src/routes/a.ts', false],
    ['src/server.ts', 'lib/server.ts', false],
    ['docs/**', 'src/**', false],
    ['!src/**', 'lib/a.ts', true], // negation: cannot reason, so overlap
    ['src/@(a|b).ts', 'src/a.ts', true],
  ])('%s vs %s -> %s', (a, b, expected) => {
    expect(globsOverlap(a, b)).toBe(expected);
    expect(globsOverlap(b, a)).toBe(expected);
  });

  it('is conservative: whenever a path matches both scopes, it says they overlap', () => {
    const parts = ['src', 'lib', 'a', 'b.ts', 'c.md', '.env', 'x.test.ts', 'deep'];
    const patternParts = [...parts, '*', '**', '*.ts', '*.md', 'a*', '*b*', '?.ts', '{a,b}', '{src,lib}', 'x.*.ts', '[ab]'];
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const pick = <T>(list: readonly T[]) => list[random(list.length)] as T;
    const make = (from: readonly string[], max: number) => Array.from({ length: 1 + random(max) }, () => pick(from)).join('/');
    const paths = Array.from({ length: 400 }, () => make(parts, 4));
    const patterns = Array.from({ length: 250 }, () => make(patternParts, 4));
    const globs = patterns.map(compileScopeGlob);
    let checked = 0;
    for (let i = 0; i < globs.length; i++) {
      for (let j = i; j < globs.length; j++) {
        const a = globs[i]!;
        const b = globs[j]!;
        const witness = paths.find((path) => a.matches(path) && b.matches(path));
        if (witness === undefined) continue;
        checked++;
        expect(globsOverlap(a, b), `${a.source} vs ${b.source} both match ${witness}`).toBe(true);
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });
});
