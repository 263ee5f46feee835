// Pathological message content for the bad-input suite: huge, folded, numerous
// or malformed headers and MIME structures, each built after the ordinary From/To
// headers (CRLF lines, no line starting with a dot; the dot is added by the sender).
import { headerLines } from './session.ts';

export interface Payload {
  name: string;
  build(sender: string): (string | Buffer)[];
}

const KiB = 1024;
const MiB = 1024 * KiB;

function multipartHeader(boundary: string): string {
  return `MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="${boundary}"\r\n`;
}

export const PAYLOADS: Payload[] = [
  {
    name: 'one header folded 100,000 times (~400 KiB)',
    build: (s) => [
      headerLines(s, 'folded'),
      'X-Folded: start\r\n',
      ' ab\r\n'.repeat(100_000),
      '\r\nbody\r\n',
    ],
  },
  {
    name: 'a 5 MiB header block',
    build: (s) => {
      const value = 'v'.repeat(KiB - 20);
      const out: string[] = [headerLines(s, '5 MiB of headers')];
      for (let i = 0; i < (5 * MiB) / KiB; i++) out.push(`X-Big-${i}: ${value}\r\n`);
      out.push('\r\nbody\r\n');
      return out;
    },
  },
  {
    name: '10,000 headers',
    build: (s) => {
      const out: string[] = [headerLines(s, '10k headers')];
      for (let i = 0; i < 10_000; i++) out.push(`X-H${i}: value ${i}\r\n`);
      out.push('\r\nbody\r\n');
      return out;
    },
  },
  {
    name: 'a 1 MiB header line without a newline',
    build: (s) => [headerLines(s, 'long line'), 'X-Long: ', 'x'.repeat(MiB)],
  },
  {
    name: 'multipart nested 1,000 levels deep',
    build: (s) => {
      const out: string[] = [headerLines(s, 'deep'), multipartHeader('b0'), '\r\n'];
      for (let i = 0; i < 1000; i++) {
        out.push(`--b${i}\r\n`);
        out.push(
          i < 999
            ? `Content-Type: multipart/mixed; boundary="b${i + 1}"\r\n\r\n`
            : 'Content-Type: text/plain\r\n\r\ndeepest part\r\n',
        );
      }
      for (let i = 999; i >= 0; i--) out.push(`--b${i}--\r\n`);
      return out;
    },
  },
  {
    name: '10,000 MIME parts',
    build: (s) => {
      const out: string[] = [headerLines(s, 'many parts'), multipartHeader('p'), '\r\n'];
      for (let i = 0; i < 10_000; i++)
        out.push(`--p\r\nContent-Type: text/plain\r\n\r\npart ${i}\r\n`);
      out.push('--p--\r\n');
      return out;
    },
  },
  {
    name: 'a multipart boundary that never ends',
    build: (s) => [
      headerLines(s, 'open boundary'),
      multipartHeader('never-closed'),
      '\r\n--never-closed\r\nContent-Type: text/plain\r\n\r\n',
      'this part is never closed\r\n'.repeat(4000),
    ],
  },
  {
    name: 'NUL bytes in headers and body',
    build: (s) => [
      headerLines(s, 'nul\0subject'),
      'X-Nul: a\0b\0c\r\n',
      'X-\0Name: value\r\n',
      '\r\nbody\0with\0nul\0bytes\r\n',
      '\0\0\0\0\r\n',
    ],
  },
  {
    name: 'lines without a colon in the header block',
    build: (s) => [
      headerLines(s, 'no colon'),
      'this line has no colon\r\n',
      'X-After: the header block goes on\r\n',
      'neither does this one\r\n',
      ' folded continuation of nothing\r\n',
      '\r\nbody\r\n',
    ],
  },
];

/** The header line that makes /^(a+)+$/ backtrack exponentially: 5,000 'a' then '!'. */
export const REDOS_HEADER = `${'a'.repeat(5000)}!: x\r\n`;
