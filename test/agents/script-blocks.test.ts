import { describe, expect, it } from 'vitest';
import { extractScriptBlocks } from '../../src/agents/script-blocks.js';

const contents = (md: string): string[] => extractScriptBlocks(md).map((b) => b.content);

describe('extractScriptBlocks', () => {
  it('finds every orch-script block in order, with its opening line', () => {
    const md = ['Intro', '```orch-script', 'echo one', '```', 'middle', '```sh', 'echo not me', '```', '```orch-script', 'echo two', 'echo three', '```', ''].join('\n');
    const blocks = extractScriptBlocks(md);
    expect(blocks.map((b) => [b.index, b.line, b.content])).toEqual([
      [1, 2, 'echo one\n'],
      [2, 9, 'echo two\necho three\n'],
    ]);
  });

  it('accepts ~~~ fences and fences longer than three', () => {
    expect(contents('~~~orch-script\necho tilde\n~~~\n````orch-script\necho four\n````\n')).toEqual(['echo tilde\n', 'echo four\n']);
  });

  it('matches the first word of the info string exactly: `orch-script extra` yes, `orch-scripts` and `xorch-script` no', () => {
    const md = '```orch-script extra words\necho a\n```\n```orch-scripts\necho b\n```\n```xorch-script\necho c\n```\n``` orch-script\necho d\n```\n';
    expect(contents(md)).toEqual(['echo a\n', 'echo d\n']);
  });

  it('closes only on the same fence character, at least as long, with nothing after it', () => {
    const md = ['````orch-script', 'echo 1', '```', '~~~~', '```` trailing', '`````', 'echo never', ''].join('\n');
    // ``` is too short, ~~~~ is the wrong character, "```` trailing" has text after it: all content. ````` closes.
    expect(contents(md)).toEqual(['echo 1\n```\n~~~~\n```` trailing\n']);
  });

  it('does not run a block nested inside another fenced block', () => {
    const md = ['````markdown', 'Example:', '```orch-script', 'rm -rf /', '```', '````', '```orch-script', 'echo real', '```', ''].join('\n');
    expect(contents(md)).toEqual(['echo real\n']);
  });

  it('handles 1-3 space indented fences, stripping that indentation from content; 4 spaces is not a fence', () => {
    const md = ['  ```orch-script', '  echo two', '   echo three-spaces', ' echo one', 'echo none', '  ```', '    ```orch-script', '    echo indented code', '    ```', ''].join('\n');
    expect(contents(md)).toEqual(['echo two\n echo three-spaces\necho one\necho none\n']);
  });

  it('a tab before the fence counts as four columns (indented code, not a fence)', () => {
    expect(contents('\t```orch-script\n\techo no\n\t```\n')).toEqual([]);
  });

  it('an unterminated fence runs to the end of the document', () => {
    expect(contents('text\n```orch-script\necho a\necho b\n')).toEqual(['echo a\necho b\n']);
    expect(contents('```orch-script')).toEqual(['']);
  });

  it('a backtick fence whose info string holds a backtick is not a fence', () => {
    expect(contents('```orch-script `x`\necho no\n```\n')).toEqual([]);
  });

  it('a closing fence may be indented up to three spaces and followed by spaces', () => {
    expect(contents('```orch-script\necho a\n   ```   \necho outside\n')).toEqual(['echo a\n']);
  });

  it('reads CRLF and CR line endings', () => {
    expect(contents('```orch-script\r\necho crlf\r\n```\r\n')).toEqual(['echo crlf\n']);
    expect(contents('```orch-script\recho cr\r```\r')).toEqual(['echo cr\n']);
  });

  it('returns nothing for a body without blocks, or with two-backtick "fences"', () => {
    expect(extractScriptBlocks('')).toEqual([]);
    expect(extractScriptBlocks('``orch-script\necho no\n``\n')).toEqual([]);
  });
});
