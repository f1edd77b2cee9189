import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { overlayXattrReaderPid, readOverlayXattrs } from '../../src/sandbox/collect-xattrs.js';
import { run } from '../../src/sys/process.js';
import { tempDir } from '../support/tmp.js';

/** Sets user.overlay.<key> on each path (python3, as the reader uses). */
async function setAttrs(entries: [string, string, string][]): Promise<void> {
  const script = 'import os, sys\nfor line in sys.stdin.read().split("\\0"):\n    if line:\n        p, k, v = line.split("\\1")\n        os.setxattr(p, "user.overlay." + k, v.encode())\n';
  await run('/usr/bin/python3', ['-I', '-S', '-c', script], { input: entries.map((e) => e.join('\u0001')).join('\0') });
}

describe('overlay attribute reader', () => {
  it('answers many requests in flight, each with its own paths, from one long-lived reader', async () => {
    const dir = await tempDir();
    const paths: string[] = [];
    for (let i = 0; i < 12; i++) {
      const sub = join(dir, `d${i}`);
      mkdirSync(sub);
      writeFileSync(join(sub, 'f'), `${i}\n`);
      paths.push(sub);
    }
    await setAttrs([
      [paths[3] ?? '', 'opaque', 'y'],
      [join(paths[5] ?? '', 'f'), 'metacopy', ''],
      [paths[7] ?? '', 'redirect', '/elsewhere'],
    ]);
    const answers = await Promise.all(paths.map((path) => readOverlayXattrs([path, join(path, 'f')])));
    const pid = overlayXattrReaderPid();
    expect(pid).toBeTypeOf('number');
    answers.forEach((answer, i) => {
      expect([...answer.keys()]).toEqual([paths[i], join(paths[i] ?? '', 'f')]);
    });
    expect(answers[3]?.get(paths[3] ?? '')).toEqual({ opaque: 'y' });
    expect(answers[5]?.get(join(paths[5] ?? '', 'f'))).toEqual({ metacopy: '' });
    expect(answers[7]?.get(paths[7] ?? '')).toEqual({ redirect: '/elsewhere' });
    expect(answers[0]?.get(paths[0] ?? '')).toEqual({});
    // The same reader serves the next request.
    await readOverlayXattrs([dir]);
    expect(overlayXattrReaderPid()).toBe(pid);
  });

  it('starts a new reader when the running one was killed', async () => {
    const dir = await tempDir();
    await readOverlayXattrs([dir]);
    const pid = overlayXattrReaderPid();
    expect(pid).toBeTypeOf('number');
    process.kill(pid ?? 0, 'SIGKILL');
    const answer = await readOverlayXattrs([dir]);
    expect(answer.get(dir)).toEqual({});
    expect(overlayXattrReaderPid()).not.toBe(pid);
  });

  it('reads nothing (and starts nothing) for no paths', async () => {
    expect((await readOverlayXattrs([])).size).toBe(0);
  });
});
