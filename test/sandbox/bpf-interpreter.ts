/**
 * A tiny classic-BPF interpreter for seccomp programs, enough for the
 * instructions the filter uses (ld abs word, jeq/jge/jset k, ret k). It lets
 * the tests check the aarch64 filter on an x86_64 machine, and every branch
 * of both without running a kernel.
 */

export interface SeccompData {
  nr: number;
  arch: number;
  args?: bigint[];
}

function dataWord(data: SeccompData, offset: number): number {
  if (offset === 0) return data.nr >>> 0;
  if (offset === 4) return data.arch >>> 0;
  if (offset >= 16 && offset < 64 && offset % 4 === 0) {
    const index = Math.floor((offset - 16) / 8);
    const value = BigInt.asUintN(64, data.args?.[index] ?? 0n);
    const high = (offset - 16) % 8 === 4;
    return Number(high ? value >> 32n : value & 0xffffffffn);
  }
  throw new Error(`load from offset ${offset} is outside seccomp_data`);
}

/** Runs the program; returns the seccomp action word. Throws on anything malformed. */
export function evaluate(program: Uint8Array, data: SeccompData): number {
  if (program.length % 8 !== 0 || program.length === 0) throw new Error('program is not a whole number of instructions');
  const view = new DataView(program.buffer, program.byteOffset, program.byteLength);
  const count = program.length / 8;
  let acc = 0;
  let pc = 0;
  for (let steps = 0; steps <= count; steps += 1) {
    if (pc >= count) throw new Error('fell off the end of the program');
    const code = view.getUint16(pc * 8, true);
    const jt = view.getUint8(pc * 8 + 2);
    const jf = view.getUint8(pc * 8 + 3);
    const k = view.getUint32(pc * 8 + 4, true);
    switch (code) {
      case 0x20:
        acc = dataWord(data, k);
        pc += 1;
        break;
      case 0x15:
        pc += 1 + (acc === k ? jt : jf);
        break;
      case 0x35:
        pc += 1 + (acc >= k ? jt : jf);
        break;
      case 0x45:
        pc += 1 + ((acc & k) !== 0 ? jt : jf);
        break;
      case 0x06:
        return k;
      default:
        throw new Error(`unexpected opcode 0x${code.toString(16)} at ${pc}`);
    }
  }
  throw new Error('program loops');
}
