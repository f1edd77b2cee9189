import { formatLocation, isOrchError } from '../errors/index.js';

/** Where a command writes: stdout for results, stderr for problems and progress. */
export interface Output {
  json: boolean;
  /** A result: printed as JSON with --json, else through `human`. */
  result(value: unknown, human: () => string): void;
  line(text: string): void;
  warn(text: string): void;
  error(error: unknown): void;
}

export function createOutput(json: boolean, stdout: NodeJS.WritableStream = process.stdout, stderr: NodeJS.WritableStream = process.stderr): Output {
  return {
    json,
    result(value, human) {
      if (json) stdout.write(`${JSON.stringify(value, null, 2)}\n`);
      else {
        const text = human();
        if (text.length > 0) stdout.write(text.endsWith('\n') ? text : `${text}\n`);
      }
    },
    line(text) {
      if (!json) stdout.write(`${text}\n`);
    },
    warn(text) {
      stderr.write(`warning: ${text}\n`);
    },
    error(error) {
      if (json) {
        stderr.write(`${JSON.stringify({ error: isOrchError(error) ? error.toJSON() : { code: 'INTERNAL', message: String(error) } })}\n`);
        return;
      }
      stderr.write(`${describeError(error)}\n`);
    },
  };
}

export function describeError(error: unknown): string {
  if (!isOrchError(error)) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    return `orch: internal error: ${message}\nThis is a bug in orch; please report it with the command you ran.`;
  }
  const where = error.location === undefined ? '' : `${formatLocation(error.location)}: `;
  const hint = error.hint === undefined ? '' : `\n  hint: ${error.hint}`;
  return `orch: ${where}${error.message} [${error.code}]${hint}`;
}

/** A plain text table with left-aligned columns. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ')).join('\n');
}
