// postfleet sendmail: Postfix-compatible local submission. Reads a message from
// standard input and submits it through cleanup via the running Postfleet.
// Exit codes follow sysexits.h as Postfix's sendmail does.
import { parseArgs } from 'node:util';
import { userInfo } from 'node:os';
import { Transform, type TransformCallback } from 'node:stream';
import type { Command } from './command.ts';
import { AdminUnreachableError, callAdmin } from '../admin-client.ts';

const EX_USAGE = 64;
const EX_DATAERR = 65;
const EX_TEMPFAIL = 75;

/** Without -i, a line holding only "." ends the message (traditional sendmail). */
export class DotTerminator extends Transform {
  private atLineStart = true;
  private pending = '';
  private done = false;

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.done) return cb();
    const text = this.pending + chunk.toString('latin1');
    this.pending = '';
    let out = '';
    let i = 0;
    while (i < text.length) {
      if (this.atLineStart) {
        const rest = text.slice(i);
        if (/^\.\r?\n/.test(rest)) {
          this.done = true;
          break;
        }
        if (rest === '.' || rest === '.\r') {
          this.pending = rest;
          break;
        }
      }
      const nl = text.indexOf('\n', i);
      if (nl === -1) {
        out += text.slice(i);
        this.atLineStart = false;
        break;
      }
      out += text.slice(i, nl + 1);
      i = nl + 1;
      this.atLineStart = true;
    }
    cb(null, Buffer.from(out, 'latin1'));
  }

  override _flush(cb: TransformCallback): void {
    if (!this.done && this.pending && this.pending !== '.' && this.pending !== '.\r')
      this.push(Buffer.from(this.pending, 'latin1'));
    cb();
  }
}

export const sendmailCommand: Command = {
  usage: 'sendmail [-f SENDER] [-t] [-i] RCPT...',
  summary: 'submit a message from standard input through cleanup (sendmail)',
  async run(args) {
    let parsed;
    try {
      parsed = parseArgs({
        args: args.map((a) => (a === '-oi' ? '-i' : a)),
        allowPositionals: true,
        options: {
          f: { type: 'string', short: 'f' },
          r: { type: 'string', short: 'r' },
          t: { type: 'boolean', short: 't' },
          i: { type: 'boolean', short: 'i' },
          F: { type: 'string', short: 'F' },
        },
      });
    } catch (err) {
      process.stderr.write(`postfleet sendmail: ${(err as Error).message}\n`);
      return EX_USAGE;
    }
    const { values, positionals } = parsed;
    if (!values.t && positionals.length === 0) {
      process.stderr.write('postfleet sendmail: no recipients specified (give RCPT or -t)\n');
      return EX_USAGE;
    }
    const q = new URLSearchParams();
    for (const r of positionals) q.append('rcpt', r);
    const sender = values.f ?? values.r;
    if (sender !== undefined) q.set('sender', sender.replace(/^<(.*)>$/, '$1'));
    if (values.t) q.set('t', '1');
    q.set('login', userInfo().username);
    const input = values.i ? process.stdin : process.stdin.pipe(new DotTerminator());
    try {
      const res = await callAdmin(process.env, 'POST', `/admin/sendmail?${q}`, input);
      const reply = res.body as {
        status: string;
        queueId?: string;
        code?: number;
        enhanced?: string;
        text?: string;
      };
      if (reply.status === 'queued' || reply.status === 'discarded') {
        if (process.env.POSTFLEET_VERBOSE) process.stderr.write(`queued as ${reply.queueId}\n`);
        return 0;
      }
      if (reply.status === 'rejected') {
        process.stderr.write(`postfleet sendmail: ${reply.code} ${reply.enhanced} ${reply.text}\n`);
        return EX_DATAERR;
      }
      process.stderr.write(`postfleet sendmail: temporary failure: ${reply.text ?? res.status}\n`);
      return EX_TEMPFAIL;
    } catch (err) {
      process.stderr.write(`postfleet sendmail: ${(err as Error).message}\n`);
      return err instanceof AdminUnreachableError ? EX_TEMPFAIL : 1;
    }
  },
};
