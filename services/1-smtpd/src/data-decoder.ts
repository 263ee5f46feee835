// The DATA content decoder (RFC 5321 §4.5.2): removes the leading dot of
// dot-stuffed lines and finds the end-of-data line <CRLF>.<CRLF>, across
// chunk boundaries. Pure: bytes in, message bytes and "done" out.

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;

/** bol: at the start of a line; mid: inside one; cr: after a CR; dot: after a leading dot; dotcr: after ".\r". */
type State = 'bol' | 'mid' | 'cr' | 'dot' | 'dotcr';

export interface DecodeResult {
  /** Message bytes decoded from this input (dot-unstuffed; the final CRLF kept). */
  out: Buffer;
  /** Input bytes consumed: all of them, or up to and including the end-of-data line. */
  used: number;
  /** The end-of-data line was seen. */
  done: boolean;
}

export interface DataDecoder {
  feed(chunk: Buffer): DecodeResult;
}

export function createDataDecoder(): DataDecoder {
  let state: State = 'bol';
  return {
    feed(chunk) {
      const out = Buffer.allocUnsafe(chunk.length + 1);
      let n = 0;
      for (let i = 0; i < chunk.length; i++) {
        const b = chunk[i] as number;
        switch (state) {
          case 'bol':
            if (b === DOT) {
              state = 'dot';
              continue;
            }
            break;
          case 'dot':
            if (b === CR) {
              state = 'dotcr';
              continue;
            }
            break; // a stuffed dot: dropped, b is ordinary content
          case 'dotcr':
            if (b === LF) {
              state = 'bol';
              return { out: out.subarray(0, n), used: i + 1, done: true };
            }
            out[n++] = CR; // ".\r" + something else: the dot goes, the CR stays
            state = 'cr';
            break;
          default:
            break;
        }
        out[n++] = b;
        if (b === CR) state = 'cr';
        else if (b === LF && state === 'cr') state = 'bol';
        else state = 'mid';
      }
      return { out: out.subarray(0, n), used: chunk.length, done: false };
    },
  };
}
